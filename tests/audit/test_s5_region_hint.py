"""Without --region the audit names the shipped example region by the name --region takes, and says where the
shipped examples are listed (`conform list regions`): the repository path it named,
conform/fixtures/regions/<name>.yaml, is no file a user of the installed wheel has."""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit


@pytest.mark.parametrize("policy", ["jilin", "zhejiang"])
def test_the_region_hint_names_the_example_by_name_not_by_a_repository_path(tmp_path, policy):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P,1101,2024-03-01,11,tertiary,100.00,0.00\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], policy, None, write=False)
    said = str(e.value)
    assert f"--region {policy}-example" in said and "conform list regions" in said, said
    assert "fixtures" not in said and ".yaml" not in said, said
