"""吉林 三: an unfiled person's remote bills 不能联网结算, so a system may refuse their 2207 (the scenarios of 三 accept a
refusal or the 参保地 figures). The properties drew every 吉林 person unfiled and failed such a refusal on 二（二）
(15 checks; s28 fixB2 on probeH3 F3): they now draw filed and unfiled persons, and remote visits of filed ones only."""
from __future__ import annotations

from hypothesis import HealthCheck, find, given, settings

from conform.harness.generators import PersonYear, person_years


def _remote(py: PersonYear) -> bool:
    return any(s.remote for s in py.settlements)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(person_years("jilin"))
def test_no_unfiled_remote_visit_is_drawn_under_jilin(py: PersonYear) -> None:
    assert py.person.remote_filing or not _remote(py)


def test_a_filed_persons_remote_visit_is_still_drawn_under_jilin() -> None:
    py = find(person_years("jilin"), _remote, settings=settings(max_examples=5000, database=None, deadline=None,
                                                               suppress_health_check=list(HealthCheck)))
    assert py.person.remote_filing


def test_other_documents_draw_unfiled_remote_visits_as_before() -> None:
    py = find(person_years("zhejiang"), lambda p: _remote(p) and not p.person.remote_filing,
              settings=settings(max_examples=5000, database=None, deadline=None, suppress_health_check=list(HealthCheck)))
    assert not py.person.remote_filing
