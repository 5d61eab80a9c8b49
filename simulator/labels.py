"""Every label of the figures and the report, in English and Chinese, in one place.

``label(key, lang, **fields)`` returns the text of ``key`` in ``lang`` (``"en"`` or ``"zh"``),
with ``{fields}`` filled in by :meth:`str.format`. A figure or report function takes ``lang=``
and asks this module for each title, axis label, legend entry, table heading and note, so a
translation is changed here and nowhere else. The Chinese terms follow the NHSA's statistical
bulletins (国家医疗保障事业发展统计公报): 职工医保统筹基金, 个人账户, 城乡居民医保,
累计结存可支付月数.

Money: the English labels use billion yuan (10^9), the Chinese ones 亿元 (10^8), as each
audience reads them; :func:`money_scale` gives the divisor that goes with the label.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

#: label key -> {"en": text, "zh": text}; ``{name}`` fields are filled by :func:`label`
LABELS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ funds
    "fund.employee_pooled": {"en": "Employee pooled fund", "zh": "职工医保统筹基金"},
    "fund.employee_accounts": {"en": "Individual accounts", "zh": "个人账户"},
    "fund.resident": {"en": "Resident fund", "zh": "城乡居民医保基金"},
    "fund.pooled_combined": {"en": "Both pooled funds combined", "zh": "两项统筹基金合计"},
    # ------------------------------------------------------------------ warning bands of reserve months
    "band.below_0": {"en": "below 0: exhausted", "zh": "低于 0：基金穿底"},
    "band.0_3": {"en": "0-3 months: critical", "zh": "0-3 个月：严重不足"},
    "band.3_6": {"en": "3-6 months: low", "zh": "3-6 个月：偏低"},
    "band.6_9": {"en": "6-9 months: target", "zh": "6-9 个月：合理"},
    "band.9_15": {"en": "9-15 months: high", "zh": "9-15 个月：偏高"},
    "band.above_15": {"en": "above 15 months: excessive", "zh": "15 个月以上：结存过多"},
    "band_short.below_0": {"en": "below 0", "zh": "低于 0"},
    "band_short.0_3": {"en": "0-3", "zh": "0-3"},
    "band_short.3_6": {"en": "3-6", "zh": "3-6"},
    "band_short.6_9": {"en": "6-9", "zh": "6-9"},
    "band_short.9_15": {"en": "9-15", "zh": "9-15"},
    "band_short.above_15": {"en": "above 15", "zh": "15 以上"},
    # ------------------------------------------------------------------ named deterministic sets
    "set.low_cost": {"en": "low-cost set", "zh": "低成本假设组"},
    "set.central": {"en": "central set", "zh": "中间假设组"},
    "set.high_cost": {"en": "high-cost set", "zh": "高成本假设组"},
    # ------------------------------------------------------------------ titles' second line
    "sub.scenario": {"en": "scenario {name}", "zh": "情景 {name}"},
    "sub.assumption_set": {"en": "assumption set {name}", "zh": "假设组 {name}"},
    "sub.seed": {"en": "seed {seed}", "zh": "随机种子 {seed}"},
    "sub.paths": {"en": "{n} paths", "zh": "{n} 条路径"},
    "sub.path": {"en": "{n} path", "zh": "{n} 条路径"},
    "sub.join_scenarios": {"en": " vs ", "zh": " 对比 "},
    # ------------------------------------------------------------------ common words
    "year": {"en": "year", "zh": "年份"},
    "median": {"en": "median", "zh": "中位数"},
    "with_median": {"en": "{name} (median)", "zh": "{name}（中位数）"},
    "paths_5_95": {"en": "5-95% of paths", "zh": "5%-95% 路径区间"},
    "paths_25_75": {"en": "25-75% of paths", "zh": "25%-75% 路径区间"},
    "paths_5_and_95": {"en": "5% and 95% of paths", "zh": "5% 与 95% 分位路径"},
    "scenario_k": {"en": "scenario {k}", "zh": "情景 {k}"},
    # ------------------------------------------------------------------ fan chart
    "fan.title": {"en": "Reserve months of the pooled funds", "zh": "统筹基金累计结存可支付月数"},
    "fan.compared": {"en": ": scenarios compared", "zh": "：情景比较"},
    "fan.ylabel": {"en": "reserve months (balance / monthly expenditure)",
                   "zh": "累计结存可支付月数（结存 / 月均支出）"},
    "fan.beyond": {"en": "beyond the chart: {notes} months", "zh": "超出图幅：{notes} 个月"},
    "fan.top_reaches": {"en": "95% reaches {v}", "zh": "95% 分位达 {v}"},
    "fan.bottom_reaches": {"en": "5% reaches {v}", "zh": "5% 分位达 {v}"},
    "fan.note_join": {"en": ", ", "zh": "，"},
    # ------------------------------------------------------------------ income and expenditure
    "flows.title": {"en": "Income and expenditure", "zh": "基金收入与支出"},
    "flows.income": {"en": "income", "zh": "收入"},
    "flows.expenditure": {"en": "expenditure", "zh": "支出"},
    "flows.band": {"en": "{name} 5-95%", "zh": "{name} 5%-95%"},
    "flows.ylabel": {"en": "billion yuan per year (nominal)", "zh": "亿元/年（名义值）"},
    # ------------------------------------------------------------------ band probabilities
    "bands.title": {"en": "Warning bands of reserve months, exhaustion and deficit",
                    "zh": "可支付月数预警区间、基金穿底与当期赤字的概率"},
    "bands.exhausted": {"en": "exhausted in or before the year", "zh": "当年或之前基金穿底"},
    "bands.deficit": {"en": "first current deficit in or before the year", "zh": "当年或之前首次出现当期赤字"},
    "bands.ylabel": {"en": "probability (share of paths)", "zh": "概率（路径占比）"},
    # ------------------------------------------------------------------ break-even
    "be.title": {"en": "Pay-as-you-go break-even contribution paths", "zh": "现收现付平衡缴费路径"},
    "be.rate_title": {"en": "Employee pooled fund: break-even employer rate",
                      "zh": "职工医保统筹基金：收支平衡的单位缴费率"},
    "be.premium_title": {"en": "Resident fund: break-even individual premium",
                         "zh": "城乡居民医保基金：收支平衡的个人缴费"},
    "be.rate_in_force": {"en": "employer rate in force", "zh": "现行单位缴费率"},
    "be.premium_in_force": {"en": "resident premium in force", "zh": "现行居民个人缴费"},
    "be.band_5_95": {"en": "break-even 5-95%", "zh": "平衡值 5%-95%"},
    "be.band_25_75": {"en": "break-even 25-75%", "zh": "平衡值 25%-75%"},
    "be.median": {"en": "break-even (median)", "zh": "平衡值（中位数）"},
    "be.single_paths": {"en": "single paths", "zh": "单条路径"},
    "be.percent_of_base": {"en": "% of the contribution base", "zh": "占缴费基数的 %"},
    "be.yuan_per_person": {"en": "yuan per person per year", "zh": "元/人/年"},
    # ------------------------------------------------------------------ pyramid
    "pyr.title": {"en": "Population and old-age dependency", "zh": "人口结构与老年抚养比"},
    "pyr.by_age": {"en": "Population by age and sex, {years}", "zh": "分年龄、性别人口，{years}"},
    "pyr.and": {"en": " and ", "zh": " 与 "},
    "pyr.men": {"en": "{year} men", "zh": "{year} 男"},
    "pyr.women": {"en": "{year} women", "zh": "{year} 女"},
    "pyr.outline": {"en": "{year} (outline)", "zh": "{year}（轮廓线）"},
    "pyr.xlabel": {"en": "million persons by single year of age  (men left, women right)",
                   "zh": "分单岁人口（百万人；左为男性，右为女性）"},
    "pyr.ylabel": {"en": "age (years; 100 = 100 and over)", "zh": "年龄（岁；100 为 100 岁及以上）"},
    "pyr.ratio": {"en": "people 65+ per person 15-64:", "zh": "65 岁及以上 / 15-64 岁人口："},
    "pyr.source_wpp": {"en": "UN WPP 2024 estimates (1 July), not projections",
                       "zh": "联合国《世界人口展望 2024》估计值（7 月 1 日），非预测"},
    "pyr.source_given": {"en": "population by age as given", "zh": "所给分年龄人口"},
    "pyr.source_projected": {"en": "the scenario's projection, central path", "zh": "情景预测（中位路径）"},
    "pyr.dep_title": {"en": "Employee scheme: retirees per active member", "zh": "职工医保：退休人员与在职参保人员之比"},
    "pyr.dep_ylabel": {"en": "retirees / (employees + flexible workers)", "zh": "退休人员 /（在职职工 + 灵活就业人员）"},
    # ------------------------------------------------------------------ heatmap and tornado
    "metric.exhaustion_probability_by_year": {"en": "exhaustion probability by year",
                                              "zh": "截至当年的基金穿底概率"},
    "metric.deficit_probability_by_year": {"en": "deficit probability by year", "zh": "截至当年的当期赤字概率"},
    "metric.reserve_months_quantile": {"en": "reserve months quantile", "zh": "累计结存可支付月数分位数"},
    "metric.band_probability": {"en": "band probability", "zh": "预警区间概率"},
    "metric.exhaustion_year_quantile": {"en": "exhaustion year quantile", "zh": "穿底年份分位数"},
    "heat.none": {"en": "none", "zh": "无"},
    "tornado.title": {"en": "Sensitivity: {metric}", "zh": "敏感性分析：{metric}"},
    "tornado.low": {"en": "parameter at its low value", "zh": "参数取低值"},
    "tornado.high": {"en": "parameter at its high value", "zh": "参数取高值"},
    "tornado.base": {"en": "; base {base}", "zh": "；基准值 {base}"},
    # ------------------------------------------------------------------ waterfall and attribution
    "wf.title": {"en": "Reasons for change: {metric}", "zh": "变化原因分解：{metric}"},
    "wf.remainder": {"en": "interaction remainder", "zh": "交互作用余项"},
    "wf.alone": {"en": "each group alone", "zh": "各组单独变动"},
    "wf.in_order": {"en": "groups applied in order", "zh": "各组依次变动"},
    "wf.sub": {"en": "{paths} paths, seed {seed}, common random numbers; {method}",
               "zh": "{paths} 条路径，随机种子 {seed}，共同随机数；{method}"},
    "attr.total": {"en": "total (with interactions)", "zh": "总效应（含交互作用）"},
    "attr.first": {"en": "first order (alone)", "zh": "一阶效应（单独）"},
    "attr.xlabel": {"en": "share of the variance (Sobol index; bars ±2 standard errors)",
                    "zh": "方差占比（Sobol 指数；误差线为 ±2 个标准误）"},
    "attr.title": {"en": "What drives the uncertainty of {metric}", "zh": "{metric} 不确定性的来源"},
    "attr.sub": {"en": "scenario {scenario} · {paths} paths · seed {seed} · first-order sum {sum} ± {se}",
                 "zh": "情景 {scenario} · {paths} 条路径 · 随机种子 {seed} · 一阶效应之和 {sum} ± {se}"},
    # ------------------------------------------------------------------ report: frame and sections
    "rep.title": {"en": "fundsim report: {name}", "zh": "fundsim 报告：{name}"},
    "rep.h1": {"en": "China's medical insurance funds: scenario {name}", "zh": "中国基本医疗保险基金：情景 {name}"},
    "rep.lead": {"en": "Monte Carlo projection {first}-{last}, {paths} paths, seed {seed}; money in nominal yuan.",
                 "zh": "蒙特卡洛预测 {first}-{last} 年，{paths} 条路径，随机种子 {seed}；金额为名义值（元）。"},
    "rep.generated": {"en": "Generated by fundsim {version}.", "zh": "由 fundsim {version} 生成。"},
    "sec.run": {"en": "The run", "zh": "运行信息"},
    "sec.summary": {"en": "Summary", "zh": "结果摘要"},
    "sec.figures": {"en": "Figures", "zh": "图表"},
    "sec.assumptions": {"en": "Key assumptions", "zh": "主要假设"},
    "sec.calibration": {"en": "Calibration", "zh": "基年校准"},
    "sec.provenance": {"en": "Provenance", "zh": "数据来源与可复现性"},
    # the run
    "run.scenario": {"en": "scenario", "zh": "情景"},
    "run.description": {"en": "description", "zh": "说明"},
    "run.region": {"en": "region", "zh": "统筹地区"},
    "run.population_basis": {"en": "population basis", "zh": "人口口径"},
    "run.years": {"en": "years", "zh": "年份"},
    "run.years_value": {"en": "{first}-{last} (base year {first}, horizon {h} years)", "zh": "{first}-{last}（基年 {first}，预测 {h} 年）"},
    "run.paths": {"en": "Monte Carlo paths", "zh": "蒙特卡洛路径数"},
    "run.seed": {"en": "seed", "zh": "随机种子"},
    "run.assumption_set": {"en": "assumption set", "zh": "假设组"},
    "run.engine": {"en": "engine", "zh": "计算引擎"},
    "run.precision": {"en": "precision of the results", "zh": "结果精度"},
    "run.version": {"en": "software version", "zh": "软件版本"},
    "run.scenario_file": {"en": "scenario file", "zh": "情景文件"},
    "run.conventions": {"en": "conventions", "zh": "数据约定"},
    # summary
    "sum.note": {"en": "Reserve months are the balance over a month of expenditure. Quantiles and probabilities are "
                       "over Monte Carlo paths; band columns give the probability of each warning band (months) in "
                       "that year. Individual accounts belong to their members and take no part.",
                 "zh": "累计结存可支付月数 = 累计结存 / 月均支出。分位数和概率按蒙特卡洛路径计算；预警区间各列为当年"
                       "可支付月数落入该区间的概率。个人账户归参保人所有，不参与统计。"},
    "sum.named_note": {"en": "The low-cost, central and high-cost sets are deterministic projections (every sigma "
                             "zero; each uncertain value at its mean, or at its {q} quantile in its cost direction; "
                             "epidemics at their expected cost), shown beside the stochastic percentiles as the "
                             "social-security trustees show their named scenarios; the event table gives each set's "
                             "exhaustion year.",
                       "zh": "低成本、中间和高成本假设组为确定性预测（所有波动为零；不确定参数取均值，或沿成本方向取其 "
                             "{q} 分位数；疫情取期望成本），与随机分位数并列展示；事件表给出各假设组的穿底年份。"},
    "sum.fund.employee_pooled": {"en": "Employee pooled fund (统筹基金)", "zh": "职工医保统筹基金"},
    "sum.fund.resident": {"en": "Resident fund (居民医保基金)", "zh": "城乡居民医保基金"},
    "sum.fund.pooled_combined": {"en": "Both pooled funds combined", "zh": "两项统筹基金合计"},
    "sum.year": {"en": "year", "zh": "年份"},
    "sum.rm_median": {"en": "reserve months: median", "zh": "可支付月数：中位数"},
    "sum.interval": {"en": "[5%, 95%]", "zh": "[5%, 95%]"},
    "sum.event": {"en": "event", "zh": "事件"},
    "sum.prob_by": {"en": "probability by {year}", "zh": "截至 {year} 年的概率"},
    "sum.year_5": {"en": "year: 5%", "zh": "年份：5%"},
    "sum.median": {"en": "median", "zh": "中位数"},
    "sum.p95": {"en": "95%", "zh": "95%"},
    "event.first_deficit_year": {"en": "first current deficit (income < expenditure)",
                                 "zh": "首次当期赤字（收入 < 支出）"},
    "event.first_operating_deficit_year": {"en": "first operating deficit (contributions < expenditure)",
                                           "zh": "首次经营性赤字（缴费收入 < 支出）"},
    "event.exhaustion_year": {"en": "exhaustion (balance < 0)", "zh": "基金穿底（累计结存 < 0）"},
    "sum.shaded": {"en": "Rows shaded: a balance below 0 in that year on at least 5% of paths. \"not within "
                         "horizon\": the event happens on fewer paths than the quantile needs.",
                   "zh": "底色行：当年至少 5% 的路径累计结存低于 0。“预测期内未发生”：发生该事件的路径少于该分位数所需。"},
    "not_within_horizon": {"en": "not within horizon", "zh": "预测期内未发生"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    # figures
    "cap.fan": {"en": "Reserve months of the pooled funds: median, 25-75% and 5-95% of paths, over the warning bands "
                      "(the funds' target is 6-9 months).",
                "zh": "统筹基金累计结存可支付月数：中位数、25%-75% 与 5%-95% 路径区间，底色为预警区间（合理区间为 6-9 个月）。"},
    "cap.bands": {"en": "Probability of each warning band by year, and the probability that the fund is exhausted or "
                        "has run a current deficit by then.",
                  "zh": "各年落入各预警区间的概率，以及截至当年基金穿底或出现当期赤字的概率。"},
    "cap.flows": {"en": "Income (contributions, premiums, subsidies, interest) and expenditure, billion yuan, nominal: "
                        "median and 5-95% of paths.",
                  "zh": "基金收入（缴费、个人缴费、财政补助、利息）与支出，亿元，名义值：中位数与 5%-95% 路径区间。"},
    "cap.breakeven": {"en": "Pay-as-you-go break-even employer rate and resident premium against those in force.",
                      "zh": "现收现付收支平衡的单位缴费率与居民个人缴费，对比现行水平。"},
    "cap.pyramid": {"en": "Population by age and sex (UN WPP 2024 estimates, not projections: the results hold "
                          "population totals only), and the employee scheme's retirees per active member.",
                    "zh": "分年龄、性别人口（联合国《世界人口展望 2024》估计值，非预测：结果文件只含人口总量），以及"
                          "职工医保退休人员与在职参保人员之比。"},
    "fig.not_drawn": {"en": "{name}: not drawn ({why}).", "zh": "{name}：未绘制（{why}）。"},
    # assumptions
    "asm.note": {"en": "The main policy levers and drivers of the scenario as it ran (after <code>extends</code> and "
                       "overrides), with their sources. Schedules are linear between years and flat outside; an "
                       "uncertain value is drawn once per path. The whole resolved scenario follows.",
                 "zh": "本次运行所用情景（已合并 <code>extends</code> 与覆盖值）的主要政策参数和驱动因素及其来源。"
                       "时间表在年份之间线性插值、之外保持不变；不确定参数每条路径抽取一次。其后为完整情景。"},
    "asm.group.Policy levers": {"en": "Policy levers", "zh": "政策参数"},
    "asm.group.Economic and demographic drivers": {"en": "Economic and demographic drivers", "zh": "经济与人口驱动因素"},
    # the key assumptions of the report, by scenario key path
    "asm.employee.employer_rate": {"en": "employer contribution rate",
        "zh": "单位缴费率"},
    "asm.employee.employee_rate": {"en": "employee contribution rate",
        "zh": "个人缴费率"},
    "asm.employee.flexible_rate": {"en": "flexible workers' contribution rate",
        "zh": "灵活就业人员缴费率"},
    "asm.employee.retiree_rate": {"en": "retirees' contribution rate (on the average pension)",
        "zh": "退休人员缴费率（以平均养老金为基数）"},
    "asm.accounts.employer_share": {"en": "employer share credited to individual accounts",
        "zh": "单位缴费划入个人账户的比例"},
    "asm.resident.premium": {"en": "resident individual premium",
        "zh": "居民个人缴费"},
    "asm.resident.subsidy": {"en": "resident fiscal subsidy",
        "zh": "居民医保财政补助"},
    "asm.resident.premium_income_share": {"en": "resident premium as a share of income",
        "zh": "居民个人缴费占收入的比例"},
    "asm.resident.subsidy_cap_ratio": {"en": "cap on subsidy : premium",
        "zh": "财政补助与个人缴费之比的上限"},
    "asm.membership.retirement_override.men": {"en": "retirement age, men (override)",
        "zh": "退休年龄，男性（覆盖值）"},
    "asm.membership.retirement_override.women_50": {"en": "retirement age, women on the 50 track (override)",
        "zh": "退休年龄，50 岁退休序列女性（覆盖值）"},
    "asm.membership.retirement_override.women_55": {"en": "retirement age, women on the 55 track (override)",
        "zh": "退休年龄，55 岁退休序列女性（覆盖值）"},
    "asm.membership.women_track_50_share": {"en": "share of insured women on the 50 track",
        "zh": "参保女性中 50 岁退休序列的比例"},
    "asm.reform.drg_dip.coverage": {"en": "DRG/DIP coverage of inpatient spending",
        "zh": "DRG/DIP 覆盖的住院费用比例"},
    "asm.reform.drg_dip.coding_creep": {"en": "DRG/DIP coding creep per year",
        "zh": "DRG/DIP 每年编码升级（高套）"},
    "asm.reform.drg_dip.creep_cap": {"en": "bound on cumulative coding creep",
        "zh": "累计编码升级的上限"},
    "asm.reform.drg_dip.efficiency_max": {"en": "long-run hospital efficiency gain",
        "zh": "医院长期效率提升"},
    "asm.reform.drg_dip.global_budget.enabled": {"en": "regional global budget",
        "zh": "区域点数法总额预算"},
    "asm.reform.drg_dip.global_budget.budget_growth": {"en": "budgeted growth of covered spending",
        "zh": "纳入预算费用的增长率"},
    "asm.reform.procurement.coverage": {"en": "volume-based procurement coverage of drug spending",
        "zh": "集中带量采购覆盖的药品费用比例"},
    "asm.reform.procurement.price_cut": {"en": "procurement price cut",
        "zh": "集采降价幅度"},
    "asm.reform.fraud.leakage": {"en": "fraud and abuse leakage",
        "zh": "欺诈骗保造成的基金流失"},
    "asm.policy.rate_trigger.enabled": {"en": "rate-adjustment trigger",
        "zh": "费率调整触发机制"},
    "asm.policy.rate_trigger.lower_months": {"en": "trigger: lower threshold",
        "zh": "触发机制：下限（月）"},
    "asm.policy.rate_trigger.upper_months": {"en": "trigger: upper threshold",
        "zh": "触发机制：上限（月）"},
    "asm.policy.rate_trigger.employer_step": {"en": "trigger: employer rate step",
        "zh": "触发机制：单位费率调整步长"},
    "asm.policy.rate_trigger.premium_step": {"en": "trigger: resident premium step",
        "zh": "触发机制：居民缴费调整步长"},
    "asm.policy.fiscal_backstop.enabled": {"en": "fiscal backstop",
        "zh": "财政兜底"},
    "asm.policy.fiscal_backstop.minimum_months": {"en": "backstop: minimum reserve months",
        "zh": "财政兜底：最低可支付月数"},
    "asm.long_term_care.carve_out_share": {"en": "long-term-care carve-out",
        "zh": "长期护理保险分流"},
    "asm.economy.drivers.wage_growth.mean": {"en": "wage growth: mean",
        "zh": "工资增长率：均值"},
    "asm.economy.drivers.wage_growth.sd": {"en": "wage growth: year-to-year sd",
        "zh": "工资增长率：年度波动标准差"},
    "asm.economy.drivers.excess_cost_growth.mean": {"en": "excess medical cost growth: mean",
        "zh": "医疗费用超额增长率：均值"},
    "asm.economy.drivers.excess_cost_growth.sd": {"en": "excess medical cost growth: year-to-year sd",
        "zh": "医疗费用超额增长率：年度波动标准差"},
    "asm.economy.drivers.interest_rate.mean": {"en": "interest rate the funds earn: mean",
        "zh": "基金收益率：均值"},
    "asm.economy.drivers.resident_income_growth.mean": {"en": "resident income growth: mean",
        "zh": "居民收入增长率：均值"},
    "asm.economy.cost_share_ceiling": {"en": "ceiling of the cost-to-wage share (long-run bend)",
        "zh": "医疗费用占工资比重的上限（长期拐点）"},
    "asm.economy.base_wage": {"en": "base-year average wage",
        "zh": "基年平均工资"},
    "asm.population.base": {"en": "base-year population",
        "zh": "基年人口"},
    "asm.population.fertility.tfr": {"en": "total fertility rate",
        "zh": "总和生育率"},
    "asm.population.mortality.kappa_sd": {"en": "mortality index sd",
        "zh": "死亡率指数标准差"},
    "asm.population.migration.net_total": {"en": "net migration",
        "zh": "净迁移"},
    "asm.epidemic.probability": {"en": "epidemic probability per year",
        "zh": "每年发生疫情的概率"},
    "asm.epidemic.cost_add": {"en": "epidemic cost (share of a year's spending)",
        "zh": "疫情成本（占当年支出比例）"},
    "asm.epidemic.contribution_relief": {"en": "epidemic contribution relief",
        "zh": "疫情期间缴费减免"},
    "asm.statutory_retirement": {"en": "statutory retirement age", "zh": "法定退休年龄"},
    "asm.npc_rule": {"en": "2024 NPC Standing Committee decision, in force 2025, over fifteen years: men 60 to 63, "
                           "women 50 to 55 and 55 to 58 (by birth cohort)",
                     "zh": "2024 年全国人大常委会决定，2025 年起用十五年逐步实施：男性 60 岁延至 63 岁，女性 50 岁延至 "
                           "55 岁、55 岁延至 58 岁（按出生队列）"},
    "asm.years_of_age": {"en": "years of age", "zh": "岁"},
    "asm.builtin_rule": {"en": "built-in rule (specification section 4)", "zh": "内置规则（规范第 4 节）"},
    "asm.default_source": {"en": "default (not set in the scenario)", "zh": "默认值（情景中未设置）"},
    "asm.key": {"en": "key", "zh": "参数路径"},
    "asm.meaning": {"en": "meaning", "zh": "含义"},
    "asm.value": {"en": "value", "zh": "取值"},
    "asm.unit": {"en": "unit", "zh": "单位"},
    "asm.source": {"en": "source", "zh": "来源"},
    "asm.whole": {"en": "The whole resolved scenario (YAML; SHA-256 {sha})", "zh": "完整情景（YAML；SHA-256 {sha}）"},
    # calibration
    "cal.none": {"en": "The results hold no calibration report.", "zh": "结果文件中没有校准报告。"},
    "cal.unreadable": {"en": "The calibration report could not be read: {why}", "zh": "无法读取校准报告：{why}"},
    "cal.note": {"en": "Base-year calibration (specification section 11), with central values, once for all paths. "
                       "A check on a fitted quantity is no check: the last column says which were fitted.",
                 "zh": "基年校准（规范第 11 节），使用中间值，对所有路径只做一次。拟合所得的量不构成检验：最后一列注明哪些是拟合值。"},
    "cal.checks": {"en": "Modelled against reported base-year figures", "zh": "基年模型值与公报值对比"},
    "cal.quantity": {"en": "quantity", "zh": "指标"},
    "cal.reported": {"en": "reported", "zh": "公报值"},
    "cal.modelled": {"en": "modelled", "zh": "模型值"},
    "cal.difference": {"en": "difference", "zh": "差异"},
    "cal.kind": {"en": "kind", "zh": "类别"},
    "cal.fitted": {"en": "fitted", "zh": "拟合"},
    "cal.check": {"en": "check", "zh": "检验"},
    "cal.factors": {"en": "Fitted factors, decompositions and other outputs", "zh": "拟合系数、分解及其他输出"},
    "cal.item": {"en": "item", "zh": "项目"},
    "cal.warnings": {"en": "Warnings", "zh": "警告"},
    # provenance
    "prov.note": {"en": "A result can be reproduced from its file alone: the resolved scenario text (with paths and "
                        "seed) is stored in it, and the shipped data files are identified by hash.",
                  "zh": "仅凭结果文件即可复现结果：文件中保存了完整情景文本（含路径数与随机种子），随附数据文件以哈希值标识。"},
    "prov.scenario_sha": {"en": "scenario SHA-256", "zh": "情景 SHA-256"},
    "prov.version": {"en": "software version", "zh": "软件版本"},
    "prov.seed": {"en": "seed", "zh": "随机种子"},
    "prov.paths": {"en": "paths", "zh": "路径数"},
    "prov.data_file": {"en": "data file {name}", "zh": "数据文件 {name}"},
    "prov.item": {"en": "item", "zh": "项目"},
    "prov.value": {"en": "value", "zh": "值"},
}


class LanguageError(ValueError):
    """A language code that is not one of :data:`LANGUAGES`."""


def check_lang(lang) -> str:
    """``lang`` as a valid code (``"en"`` or ``"zh"``, any case; ``None`` is English), or
    :class:`LanguageError` naming the valid ones."""
    code = "en" if lang is None else str(lang).strip().lower()
    if code in ("zh-cn", "zh_cn", "zh-hans", "cn", "chinese"):
        code = "zh"
    if code not in LANGUAGES:
        raise LanguageError(f"language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}")
    return code


def label(key: str, lang: str = "en", **fields) -> str:
    """The text of ``key`` in ``lang`` with ``fields`` filled in (``KeyError`` names an unknown key)."""
    try:
        entry = LABELS[key]
    except KeyError:
        raise KeyError(f"no label {key!r} in simulator.labels.LABELS") from None
    text = entry[check_lang(lang)]
    return text.format(**fields) if fields else text


def has_label(key: str) -> bool:
    return key in LABELS


def money_scale(lang: str = "en") -> float:
    """Yuan per unit of the money labels: 1e9 (billion yuan) in English, 1e8 (亿元) in Chinese."""
    return 1e8 if check_lang(lang) == "zh" else 1e9


def labeler(lang: str = "en"):
    """A one-argument-bound :func:`label` for one language: ``L = labeler("zh"); L("fan.title")``."""
    code = check_lang(lang)

    def L(key: str, **fields) -> str:
        return label(key, code, **fields)

    L.lang = code
    return L
