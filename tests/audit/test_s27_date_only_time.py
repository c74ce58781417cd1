"""A date alone in setl_time is refused, located, with the remedy (it is a setl_date: --map setl_time=setl_date), and
that remedy reads the ledger (s27 probeD F2: docs/audit.md listed date forms under "setl_time 或 setl_date")."""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

LEDGER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,hifp_pay\n"
          "A1,A,1101,2023-03-01 09:00:00,11,tertiary,100.00,0.00\n"
          "A2,A,1101,2023-03-02,11,tertiary,100.00,0.00\n")


def test_a_date_alone_in_setl_time_names_the_remedy_which_works(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(LEDGER, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "panzhihua", region="panzhihua-example", write=False)
    assert (e.value.row, e.value.column) == (3, "setl_time")
    assert "--map setl_time=setl_date" in str(e.value)
    path.write_text(LEDGER.replace(" 09:00:00", ""), encoding="utf-8")  # every row a date: the remedy applies
    code, summary = audit([str(path)], "panzhihua", region="panzhihua-example", mapping=("setl_time=setl_date",),
                          write=False)
    assert summary["rows_read"] == 2
