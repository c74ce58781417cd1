# language: zh-CN
@jilin @jilin-6.2
功能: 吉林 六（二） 确保规范统一
  （二）确保规范统一。省里明确门诊保障机制主要政策框架和标准，全省统一执行。各统筹区要规范门诊保障政策措施，确保地市
  范围内实施统一政策。已开展普通门诊统筹的统筹区要细化完善政策标准，新启动改革的统筹区要严格落实省里要求，确保不跑偏走样。

  统筹区的配置只能补足通知留给统筹区的数值，且须在通知的上限和档次之内；通知统一规定的标准（在职比例、起付标准合并计算、
  慢特病优先、住院期间不享受）不能由统筹区改变。被拒绝的配置须引用被违反的条款。
  fixtures/regions/invalid/ 下的配置均为虚构的无效示例。

  背景:
    假如 适用政策 "吉林"

  @jilin-2.2 @jilin-2.3
  场景大纲: 突破省定上限或档次的统筹区配置被拒绝，并引用条款
    # invalid/jilin-deductible-350：起付标准 350 > 300（二（二））
    # invalid/jilin-cap-2500：限额 2500 > 2000（二（二））
    # invalid/jilin-chronic-ratio-65：慢性病比例 65% 不是 60%/70%（二(三)）
    # invalid/jilin-chronic-cap-7000：慢性病限额 7000 > 6500（二(三)）
    假如 地区配置 "<配置>"
    当 校验地区配置
    那么 地区配置被拒绝，原因引用 "<条款>"

    例子:
      | 配置                           | 条款     |
      | invalid/jilin-deductible-350   | 二（二） |
      | invalid/jilin-cap-2500         | 二（二） |
      | invalid/jilin-chronic-ratio-65 | 二(三)   |
      | invalid/jilin-chronic-cap-7000 | 二(三)   |

  场景: 示例统筹区配置在省定框架之内
    # jilin-example：起付 200 ≤ 300、限额 1500 ≤ 2000、慢性病 70%、慢性病限额 3000 和 5000 ≤ 6500、药店 50%
    假如 地区配置 "jilin-example"
    当 校验地区配置
    那么 地区配置有效

  @jilin-2.2 @jilin-2.3 @jilin-6.3
  场景大纲: 统筹区不能改变全省统一执行的标准
    # 在示例配置上另设省里已统一规定的值（虚构），配置被拒绝并引用规定该值的条款：
    # 在职三级 50%、一级 60%（二（二））；起付标准合并计算（二(三)）；慢特病优先、住院期间不享受（六（三））
    假如 地区配置 "jilin-example"
    并且 地区参数 "<参数>" 为 "<值>"
    当 校验地区配置
    那么 地区配置被拒绝，原因引用 "<条款>"

    例子:
      | 参数                                  | 值    | 条款     |
      | ordinary.ratio.in_service.tertiary    | 0.55  | 二（二） |
      | ordinary.ratio.in_service.primary     | 0.65  | 二（二） |
      | chronic.shares_ordinary_deductible    | false | 二(三)   |
      | chronic.overflow_to_ordinary          | false | 六（三） |
      | hospital_stay.no_outpatient_benefit   | false | 六（三） |
