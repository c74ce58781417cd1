"""The Chinese words scenarios use, mapped to the platform's codes and fields."""
from __future__ import annotations

from decimal import Decimal

from conform.reference.money import AmountError, parse_amount, parse_ratio

POLICY_NAMES = {"攀枝花": "panzhihua", "南昌": "nanchang", "吉林": "jilin", "北京": "beijing", "浙江": "zhejiang"}
PERSON_TYPES = {"在职职工": "1101", "退休人员": "1201", "灵活就业在职": "1103", "灵活就业退休": "1203",
                "职工在职": "1101", "职工退休": "1201", "灵活就业在职人员": "1103", "灵活就业退休人员": "1203"}
FACILITY_NAMES = {"三级医疗机构": "tertiary", "二级医疗机构": "secondary", "一级医疗机构": "primary",
                  "未定级医疗机构": "unrated", "定点零售药店": "pharmacy",
                  "三级": "tertiary", "二级": "secondary", "一级": "primary", "未定级": "unrated", "药店": "pharmacy"}
MED_TYPE_NAMES = {"普通门诊": "11", "急诊": "13", "门诊慢特病": "14", "日间手术": "28", "药店购药": "41"}
DISEASE_KIND_NAMES = {"慢性病": "chronic", "门诊慢特病": "chronic", "慢特病": "chronic", "特殊疾病": "special",
                      "门诊特殊疾病": "special", "两病": "two_disease"}
EXCLUSION_NAMES = {"由其他资金保障": "other_fund", "已用个人账户支付": "account_paid",
                   "应由第三人负担": "third_party", "国家省规定不予支付": "other_state_rule"}
RELATION_NAMES = {"本人": "self", "配偶": "spouse", "父母": "parent", "父亲": "parent", "母亲": "parent",
                  "子女": "child", "其他人": "other", "兄弟姐妹": "other"}
PURPOSE_NAMES = {"就医个人负担医疗费": "medical_selfpay", "药店购药": "pharmacy_selfpay",
                 "城乡居民医保缴费": "resident_insurance_contribution",
                 "政府开展的医疗保险缴费": "government_insurance_contribution",
                 "商业健康保险": "commercial_insurance", "公共卫生费用": "public_health",
                 "体育健身": "fitness", "养生保健": "wellness"}
DECISION_NAMES = {"被允许": "allowed", "被拒绝": "refused", "未作规定": "undetermined"}
# Output fields of a settlement (setlinfo), by the names scenarios use.
SETTLEMENT_FIELDS = {
    "医疗费用总额": "medfee_sumamt", "政策范围内费用": "inscp_scp_amt", "本次起付线": "act_pay_dedc",
    "统筹基金支付": "hifp_pay", "基金支付总额": "fund_pay_sumamt", "个人负担": "psn_part_amt",
    "个人账户支付": "acct_pay", "现金支付": "psn_cash_pay", "普通门诊统筹支付": "ordinary_pay",
    "慢特病统筹支付": "chronic_pay", "住院统筹支付": "inpatient_pay", "支付比例": "pool_prop_selfpay",
    # the account balance the settlement answer reports after its own debit (setlinfo.balc; optional on the wire,
    # SETTLEMENT_OPTIONAL: compared where the system reports it, World.expect_fields)
    "结算后个人账户余额": "balc",
}
YTD_FIELDS = {"起付线": "ordinary_dedc", "普通门诊统筹支付": "ordinary_pay", "住院统筹支付": "inpatient_pay",
              "特殊疾病起付线": "special_dedc"}
# Opening year-to-date totals kept per disease code (person ytd.chronic_dedc / ytd.chronic_pay, each a
# mapping dise_codg → amount): stated with the code, 已累计慢特病统筹支付（病种 "M00100"） 2700.00 元. Where the
# payments count is the engine's reading (吉林: a disease without a cap of its own under the shared cap,
# A-JL-CHRONIC-YTD-BUCKET), not the scenario's.
YTD_DISEASE_FIELDS = {"慢特病统筹支付": "chronic_pay", "慢特病起付线": "chronic_dedc"}
# Columns of the 依次结算以下就诊 table.
VISIT_COLUMNS = {"编号": "id", "日期": "date", "机构": "facility", "类别": "med_type", "医疗费用": "medfee_sumamt",
                 "全自费": "fulamt_ownpay_amt", "超限价": "overlmt_selfpay", "先行自付": "preselfpay_amt",
                 "病种": "dise_codg", "异地": "remote", "不予支付": "exclusion", "操作": "op"}
LABELS = {v: k for k, v in SETTLEMENT_FIELDS.items()}


class VocabularyError(ValueError):
    """A word in a scenario the step library does not know; the message lists the known ones."""


def lookup(table: dict[str, str], word: str, what: str, codes: bool = True) -> str:
    """Chinese word or the code itself → code."""
    word = word.strip()
    if word in table:
        return table[word]
    if codes and word in table.values():
        return word
    raise VocabularyError(f"unknown {what} {word!r}; known: {', '.join(table)}")


def amount(text: str) -> Decimal:
    try:
        return parse_amount(text.strip(), allow_negative=True)
    except AmountError as e:
        raise VocabularyError(f"amount {text!r}: {e}") from None


def ratio(text: str) -> Decimal:
    try:
        return parse_ratio(text.strip())
    except AmountError as e:
        raise VocabularyError(f"ratio {text!r}: {e}") from None
