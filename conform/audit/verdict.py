"""The audit's verdict and exit code, decided once: for `audit()` (run.py), the reports and the CLI.

Exit codes: 0 no discrepancy, 1 discrepancies found, 2 bad input or configuration, including rows the
audit could not assess, or recorded figures it left unchecked (a ledger without discrepancies is then
`incomplete`, never `clean`).
"""
from __future__ import annotations

EXIT_OK, EXIT_FOUND, EXIT_BAD = 0, 1, 2

# Why a row could not be assessed, by its status (conform/audit/plan.py STATUSES, and the reference engine's refusal).
UNASSESSED_REASONS = {
    "refused_validity": "结算日期不在政策文件的有效期内（或该文件对此前的结算未作规定）",
    "refused_exclusion": "除外费用代码（exclusion）不是政策文件列明的类别",
    "refused_flex_tier": "灵活就业人员未给出缴费档次（人员信息 flex_tier），无法确定是否享受门诊统筹",
    "refused_parameter": "地区配置缺少所需的参数：该人员类别、机构等级的起付线、比例或限额，慢特病等的参数，"
                         "或未备案人员市外就医的比例（ordinary.ratio.remote_unfiled）",
    "refused_after": "同一参保人此前有无法审核的结算（同一自然年度；已提供个人账户期初余额的，此前任何年度），"
                     "其后的起付线、年度最高支付限额或个人账户累计无法确定（A-AUDIT-AFTER-UNASSESSED）",
    "refused_unregistered": "门诊慢特病结算的病种不在人员信息为该参保人登记的慢特病中（chronic_diseases 为空列表 [] 即登记为无；"
                            "A-AUDIT-CHRONIC-REGISTERED）",
    "refused_reference": "参考实现拒绝结算（参考实现的说明见报告中未能审核的原因：audit.html“未能审核的结算”、"
                         "audit.xlsx“未能审核”工作表）",
}


TITLES = {"clean": "未发现差异", "discrepancies": "发现差异", "incomplete": "未能全部审核"}


def verdict(discrepancies: int, settlements: int, unassessed: int, unchecked: int = 0) -> tuple[str, str, int]:
    """(verdict, its Chinese wording, exit code) from the counts of differing fields, of settlements
    with one, of rows not assessed, and of rows assessed but for some recorded figures (`unchecked`: the
    account fields before 浙江's account reform, summary["fields_not_assessed"]). A recorded figure left
    unchecked is never `clean`: without a discrepancy the verdict is `incomplete`, as for a row not assessed."""
    left = "、".join(([f"{unassessed} 行未能审核"] if unassessed else [])
                    + ([f"{unchecked} 行的部分记录字段未审核"] if unchecked else []))
    if discrepancies:
        also = f"；另有 {left}" if left else ""
        return ("discrepancies", f"{TITLES['discrepancies']}：{settlements} 笔结算、{discrepancies} 个字段{also}",
                EXIT_FOUND)
    if unassessed or unchecked:
        said = "、".join(([f"{unassessed} 行无法审核"] if unassessed else [])
                        + ([f"{unchecked} 行的部分记录字段未审核"] if unchecked else []))
        return "incomplete", f"{TITLES['incomplete']}：{said}，其余未发现差异", EXIT_BAD
    return "clean", TITLES["clean"], EXIT_OK


def unchecked_rows(summary: dict) -> int:
    """Rows with a recorded figure left unchecked (summary["fields_not_assessed"]), for the verdict."""
    return sum(int(x.get("rows") or 0) for x in summary.get("fields_not_assessed") or [])
