"""Seeded generator of the Chinese labelled headlines (舆情 sample): labelled_headlines_zh.csv, byte for byte.

Run `python sample_data/risk/generate_zh.py`. Each *template family* is one kind of event (业绩预警, 被立案调查,
回购, 中标, ...) written in four to six wordings; a family's headlines fill its wordings with the watchlist's
Chinese company names (full or short), fictional brokers, cities, people and numbers. The split is by family:
a quarter of each label's families (drawn once with the seed) are `test`, so no wording, and no kind of event,
of the test split is ever seen in training: the test measures generalisation to new events, not memory.

Columns: id, headline, label, split, family. The English set (labelled_headlines.csv) is not touched.
"""

from __future__ import annotations

import csv
import importlib.util
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "labelled_headlines_zh.csv"
SEED = 2026
PER_FAMILY = 9  # headlines per family
TEST_FAMILIES = 4  # per label


def _names_zh() -> dict[str, str]:
    """The watchlist's Chinese names (full|short), kept in generate.py beside the English ones."""
    spec = importlib.util.spec_from_file_location("risk_generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.NAMES_ZH


NAMES_ZH = _names_zh()
BROKERS = ["北辰证券", "东临证券", "海岳证券", "明川证券", "南湖资本", "远帆证券"]
CITIES = ["上海", "深圳", "成都", "杭州", "武汉", "苏州", "新加坡", "香港"]
PEOPLE = ["王磊", "李娜", "陈静", "刘洋", "赵敏", "孙浩", "周婷", "吴昊"]
PERIODS = ["一季度", "上半年", "前三季度", "全年", "第二季度"]
REGULATORS = ["证监会", "当地证监局", "交易所"]

# (family, label, wordings). Slots: {co} company, {co2} another company, {b} broker, {city}, {who} a person,
# {p} a period, {pct} a percentage, {amt} an amount in 亿元, {n} a count, {d} a date, {reg} a regulator.
FAMILIES: list[tuple[str, str, list[str]]] = [
    # -- negative ------------------------------------------------------------------------------------------
    (
        "业绩预警",
        "negative",
        [
            "{co}发布业绩预警，预计{p}净利润同比下降{pct}%",
            "{co}{p}业绩预告：净利润同比大幅下滑{pct}%",
            "{co}预警{p}利润腰斩，股价应声下跌",
            "业绩变脸！{co}预计{p}净利润减少{pct}%",
            "{co}下修{p}业绩指引，利润或将大幅缩水",
        ],
    ),
    (
        "立案调查",
        "negative",
        [
            "{co}因涉嫌信息披露违法违规被{reg}立案调查",
            "{co}收到{reg}立案告知书，公司股价跌停",
            "{co}涉嫌财务造假遭立案调查",
            "{co}公告：公司及实控人被{reg}立案",
            "重磅！{co}被立案调查，投资者索赔或将启动",
        ],
    ),
    (
        "评级下调",
        "negative",
        [
            "{b}下调{co}评级至“减持”",
            "{co}信用评级被下调至BBB，展望负面",
            "{b}将{co}投资评级由“买入”下调为“中性”",
            "多家机构下调{co}目标价，看空后市",
            "评级机构下调{co}主体信用等级",
        ],
    ),
    (
        "债务违约",
        "negative",
        [
            "{co}债券未能按期兑付，构成实质性违约",
            "{co}公告{amt}亿元借款逾期未还",
            "{co}陷入债务危机，多笔贷款出现违约",
            "{co}未能偿还到期票据，债权人追讨{amt}亿元",
            "{co}流动性告急，{amt}亿元债务违约",
        ],
    ),
    (
        "产品召回",
        "negative",
        [
            "{co}因质量缺陷召回{n}万件产品",
            "{co}产品被曝存在安全隐患，紧急召回",
            "{co}宣布召回问题批次，预计损失{amt}亿元",
            "监管部门责令{co}召回不合格产品",
            "{co}召回事件发酵，消费者集体投诉",
        ],
    ),
    (
        "高管被查",
        "negative",
        [
            "{co}董事长{who}被留置调查",
            "{co}实际控制人失联，公司经营面临不确定性",
            "{co}总经理{who}涉嫌违纪被带走调查",
            "{co}多名高管被警方采取强制措施",
            "{co}财务总监{who}突然失联",
        ],
    ),
    (
        "股东减持",
        "negative",
        [
            "{co}控股股东拟减持不超过{pct}%股份",
            "{co}大股东清仓式减持，套现{amt}亿元",
            "{co}多名高管集体减持，股价承压",
            "{co}第二大股东计划大举减持公司股票",
            "{co}遭重要股东抛售{n}万股",
        ],
    ),
    (
        "股价暴跌",
        "negative",
        [
            "{co}股价盘中跌停，市值一日蒸发{amt}亿元",
            "{co}股价暴跌{pct}%，创年内新低",
            "{co}遭资金疯狂出逃，连续三个交易日跌停",
            "{co}股价闪崩，投资者损失惨重",
            "{co}重挫{pct}%，市场信心受挫",
        ],
    ),
    (
        "数据泄露",
        "negative",
        [
            "{co}遭黑客攻击，{n}万用户信息泄露",
            "{co}发生重大数据泄露事件，监管介入调查",
            "{co}系统被入侵，客户资料遭窃",
            "{co}网络安全事故致服务中断，用户损失惨重",
            "{co}用户数据遭非法售卖，公司面临巨额罚款",
        ],
    ),
    (
        "行政处罚",
        "negative",
        [
            "{co}因环境违法被罚款{n}万元",
            "{co}收到行政处罚决定书，被罚没{amt}亿元",
            "{co}违规排污遭责令停产整改",
            "{co}因违反反垄断法被处以重罚",
            "市场监管部门对{co}开出巨额罚单",
        ],
    ),
    (
        "诉讼纠纷",
        "negative",
        [
            "{co}被供应商起诉，涉案金额{amt}亿元",
            "{co}卷入专利侵权诉讼，或面临巨额赔偿",
            "{co}一审败诉，需赔偿{amt}亿元",
            "{co}遭投资者集体诉讼",
            "{co}核心资产被法院冻结",
        ],
    ),
    (
        "审计非标",
        "negative",
        [
            "{co}年报被会计师出具无法表示意见的审计报告",
            "{co}审计机构突然辞任，年报披露延期",
            "会计师对{co}财务报表出具保留意见",
            "{co}无法按期披露年报，存在重大不确定性",
            "{co}内部控制被出具否定意见",
        ],
    ),
    (
        "停产裁员",
        "negative",
        [
            "{co}宣布停产，{n}名员工面临裁员",
            "{co}关闭{city}工厂，大规模裁员",
            "{co}订单骤减，多条生产线被迫停工",
            "{co}经营困难，拖欠员工工资",
            "{co}裁员{pct}%以削减成本",
        ],
    ),
    (
        "退市风险",
        "negative",
        [
            "{co}股票将被实施退市风险警示",
            "{co}连续亏损，面临终止上市风险",
            "{co}触及退市标准，股票停牌",
            "{co}被“戴帽”ST，股价连续跌停",
            "{co}收到交易所终止上市事先告知书",
        ],
    ),
    (
        "资产减值",
        "negative",
        [
            "{co}计提商誉减值{amt}亿元，{p}巨亏",
            "{co}大额资产减值拖累业绩，由盈转亏",
            "{co}坏账激增，计提减值准备{amt}亿元",
            "{co}存货大幅减值，毛利率跌至历史低位",
            "{co}巨额减值致{p}亏损{amt}亿元",
        ],
    ),
    (
        "项目失败",
        "negative",
        [
            "{co}核心新药临床试验失败",
            "{co}重大资产重组宣告终止",
            "{co}新产品上市受挫，销量远低于预期",
            "{co}海外并购遭监管否决",
            "{co}募投项目延期，投资者质疑",
        ],
    ),
    # -- positive ------------------------------------------------------------------------------------------
    (
        "回购",
        "positive",
        [
            "{co}拟斥资{amt}亿元回购公司股份",
            "{co}发布回购方案，彰显发展信心",
            "{co}累计回购{n}万股，耗资{amt}亿元",
            "{co}大手笔回购股票，股价应声上涨",
            "{co}推出{amt}亿元股份回购计划",
        ],
    ),
    (
        "中标",
        "positive",
        [
            "{co}中标{amt}亿元重大工程项目",
            "{co}成功中标{city}地铁项目",
            "{co}预中标国家级大单，金额约{amt}亿元",
            "{co}接连斩获大额订单，中标金额创新高",
            "喜报！{co}中标{city}重点项目",
        ],
    ),
    (
        "业绩预增",
        "positive",
        [
            "{co}预计{p}净利润同比增长{pct}%",
            "{co}{p}业绩大幅预增，超市场预期",
            "{co}发布业绩预喜公告，利润翻倍",
            "{co}{p}净利润同比增长{pct}%，创历史新高",
            "{co}业绩超预期，{p}盈利大增",
        ],
    ),
    (
        "评级上调",
        "positive",
        [
            "{b}上调{co}评级至“买入”",
            "{b}将{co}目标价上调至{n}元",
            "多家券商上调{co}盈利预测",
            "{co}获{b}首次覆盖，给予“增持”评级",
            "{co}信用评级上调至AAA",
        ],
    ),
    (
        "签订大单",
        "positive",
        [
            "{co}签下{amt}亿元长期供货合同",
            "{co}与海外客户签订重大订单",
            "{co}获得{amt}亿元战略订单，锁定未来三年产能",
            "{co}斩获海外大单，订单金额超{amt}亿元",
            "{co}新签合同额同比大增{pct}%",
        ],
    ),
    (
        "分红提升",
        "positive",
        [
            "{co}推出高比例分红方案，每10股派{n}元",
            "{co}大幅提高分红比例，回报股东",
            "{co}年度分红创上市以来新高",
            "{co}宣布特别派息，股东受益",
            "{co}分红总额同比增长{pct}%",
        ],
    ),
    (
        "股东增持",
        "positive",
        [
            "{co}控股股东增持{n}万股，看好公司前景",
            "{co}董事长{who}自掏腰包增持公司股票",
            "{co}高管集体增持，释放积极信号",
            "{co}大股东拟增持不低于{amt}亿元",
            "{co}获实际控制人连续增持",
        ],
    ),
    (
        "新药获批",
        "positive",
        [
            "{co}创新药获批上市",
            "{co}新产品获得国家认证，即将量产",
            "{co}重磅新药临床试验取得积极结果",
            "{co}核心产品获欧盟批准上市",
            "{co}获得关键技术专利授权，打破国外垄断",
        ],
    ),
    (
        "股价大涨",
        "positive",
        [
            "{co}股价涨停，创历史新高",
            "{co}股价大涨{pct}%，市值突破{n}亿元",
            "资金抢筹{co}，股价连续上涨",
            "{co}强势涨停，成交额放大",
            "{co}股价飙升，领涨板块",
        ],
    ),
    (
        "营收新高",
        "positive",
        [
            "{co}{p}营收创历史新高",
            "{co}销售额同比增长{pct}%，增速远超同行",
            "{co}收入规模再创新高，盈利能力显著提升",
            "{co}{p}营收和利润双双大增",
            "{co}经营业绩亮眼，毛利率持续提升",
        ],
    ),
    (
        "扭亏为盈",
        "positive",
        [
            "{co}成功扭亏为盈，{p}实现净利润{amt}亿元",
            "{co}摆脱亏损，经营全面好转",
            "{co}{p}盈利，结束连续亏损局面",
            "{co}减亏超预期，有望全年转正",
            "{co}降本增效见成效，利润大幅改善",
        ],
    ),
    (
        "战略合作",
        "positive",
        [
            "{co}与{co2}达成战略合作，共同开拓市场",
            "{co}获行业巨头战略入股",
            "{co}与{co2}签署全面合作协议，强强联合",
            "{co}引入战略投资者，获注资{amt}亿元",
            "{co}携手{co2}布局新业务，前景广阔",
        ],
    ),
    (
        "纳入指数",
        "positive",
        [
            "{co}被纳入沪深300指数",
            "{co}入选明晟指数，有望吸引外资流入",
            "{co}获纳入富时全球指数",
            "{co}成分股地位确立，被动资金将买入",
            "{co}调入重要指数样本股",
        ],
    ),
    (
        "海外扩张",
        "positive",
        [
            "{co}海外收入翻倍，国际化成效显著",
            "{co}成功打入欧洲市场，订单快速增长",
            "{co}海外业务高速增长，占比提升至{pct}%",
            "{co}产品热销东南亚，出口大增",
            "{co}海外工厂投产，产能大幅提升",
        ],
    ),
    (
        "获得授信",
        "positive",
        [
            "{co}获多家银行{amt}亿元授信支持",
            "{co}成功发行债券，认购倍数创新高",
            "{co}完成{amt}亿元定增，获机构踊跃认购",
            "{co}融资成本下降，资金实力增强",
            "{co}获政策性银行低息贷款支持",
        ],
    ),
    (
        "订单饱满",
        "positive",
        [
            "{co}订单排产已至明年，产销两旺",
            "{co}在手订单创新高，产能满负荷运转",
            "{co}产品供不应求，紧急扩产",
            "{co}新产品预订火爆，销量超预期",
            "{co}需求旺盛，订单同比增长{pct}%",
        ],
    ),
    # -- neutral -------------------------------------------------------------------------------------------
    (
        "股东大会",
        "neutral",
        [
            "{co}将于{d}召开年度股东大会",
            "{co}发布召开临时股东大会的通知",
            "{co}股东大会审议通过年度报告等议案",
            "{co}关于召开{d}股东大会的提示性公告",
            "{co}股东大会决议公告",
        ],
    ),
    (
        "业绩说明会",
        "neutral",
        [
            "{co}定于{d}举行业绩说明会",
            "{co}将召开{p}业绩网上说明会",
            "{co}关于举办投资者说明会的公告",
            "{co}将通过网络直播方式召开业绩交流会",
            "{co}邀请投资者参加{d}业绩说明会",
        ],
    ),
    (
        "人事任命",
        "neutral",
        [
            "{co}聘任{who}为公司副总经理",
            "{co}董事会秘书由{who}担任",
            "{co}关于聘任证券事务代表的公告",
            "{co}任命{who}为首席技术官",
            "{co}新聘{who}为财务负责人",
        ],
    ),
    (
        "董事会换届",
        "neutral",
        [
            "{co}完成董事会换届选举",
            "{co}选举{who}为新一届董事长",
            "{co}监事会完成换届",
            "{co}关于董事会换届选举的公告",
            "{co}新一届董事会成员名单公布",
        ],
    ),
    (
        "定期报告",
        "neutral",
        [
            "{co}披露{p}报告",
            "{co}发布{p}报告，经营情况平稳",
            "{co}将于{d}披露年度报告",
            "{co}定期报告披露时间调整",
            "{co}按时提交{p}财务报告",
        ],
    ),
    (
        "例行分派",
        "neutral",
        [
            "{co}实施年度权益分派",
            "{co}关于权益分派实施的公告",
            "{co}公布分红股权登记日和除息日",
            "{co}按计划派发常规股息",
            "{co}维持每股派息不变",
        ],
    ),
    (
        "机构调研",
        "neutral",
        [
            "{co}接待{n}家机构调研",
            "{co}投资者关系活动记录表",
            "{co}回应投资者关于产能的提问",
            "机构调研{co}，关注行业发展趋势",
            "{co}在互动平台回复投资者问题",
        ],
    ),
    (
        "设立分支",
        "neutral",
        [
            "{co}在{city}设立全资子公司",
            "{co}拟在{city}设立分公司",
            "{co}{city}办事处正式启用",
            "{co}完成子公司工商注册登记",
            "{co}新设区域运营中心",
        ],
    ),
    (
        "地址变更",
        "neutral",
        [
            "{co}变更公司办公地址",
            "{co}关于变更注册地址的公告",
            "{co}总部迁至{city}新址",
            "{co}投资者联系电话变更",
            "{co}变更公司网站域名",
        ],
    ),
    (
        "行业会议",
        "neutral",
        [
            "{co}将参加{city}投资者交流会",
            "{co}出席{d}行业论坛",
            "{co}参展{city}国际博览会",
            "{co}高管将在行业峰会发表演讲",
            "{co}受邀参加{city}年度策略会",
        ],
    ),
    (
        "股价平稳",
        "neutral",
        [
            "{co}股价窄幅震荡，成交清淡",
            "{co}今日股价小幅波动，收盘持平",
            "{co}股价横盘整理，市场观望",
            "{co}成交量与上周基本持平",
            "{co}盘中走势平稳，波动有限",
        ],
    ),
    (
        "制度修订",
        "neutral",
        [
            "{co}修订公司章程部分条款",
            "{co}更新内部治理制度",
            "{co}关于修订信息披露管理制度的公告",
            "{co}董事会审议通过多项管理制度",
            "{co}调整董事会专门委员会成员",
        ],
    ),
    (
        "ESG报告",
        "neutral",
        [
            "{co}发布年度社会责任报告",
            "{co}披露ESG报告",
            "{co}发布环境、社会及治理报告",
            "{co}公布可持续发展报告",
            "{co}发布年度环境信息披露报告",
        ],
    ),
    (
        "系统升级",
        "neutral",
        [
            "{co}完成核心业务系统升级",
            "{co}客服热线将于{d}进行例行维护",
            "{co}上线新版官方网站",
            "{co}信息系统切换工作顺利完成",
            "{co}手机应用更新版本",
        ],
    ),
    (
        "会计变更",
        "neutral",
        [
            "{co}关于会计政策变更的公告",
            "{co}续聘会计师事务所",
            "{co}变更年度审计机构获股东大会通过",
            "{co}根据新准则调整会计政策",
            "{co}会计估计变更不影响当期损益",
        ],
    ),
    (
        "证券事务",
        "neutral",
        [
            "{co}关于股票交易的例行提示公告",
            "{co}召开董事会会议审议日常议案",
            "{co}完成工商变更登记",
            "{co}证券简称保持不变",
            "{co}关于使用闲置资金进行现金管理的公告",
        ],
    ),
]


def _company(rng: random.Random, avoid: str = "") -> str:
    ticker = rng.choice([t for t in NAMES_ZH if t != avoid])
    names = NAMES_ZH[ticker].split("|")
    roll = rng.random()
    if roll < 0.5:
        return names[0]
    if roll < 0.85:
        return names[-1]
    return f"{names[0]}（{ticker}）"


def _fill(template: str, rng: random.Random) -> str:
    co = _company(rng)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    slots = {
        "co": co,
        "co2": _company(rng),
        "b": rng.choice(BROKERS),
        "city": rng.choice(CITIES),
        "who": rng.choice(PEOPLE),
        "p": rng.choice(PERIODS),
        "pct": rng.choice([8, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 85]),
        "amt": rng.choice(["1.2", "2.5", "3", "4.8", "6", "8.5", "10", "12", "15", "20", "35"]),
        "n": rng.choice([20, 35, 50, 80, 120, 150, 200, 300, 500, 800]),
        "d": f"{month}月{day}日",
        "reg": rng.choice(REGULATORS),
    }
    return template.format(**slots)


def generate() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    test_families: set[str] = set()
    for label in ("negative", "neutral", "positive"):
        families = [f for f, lab, _ in FAMILIES if lab == label]
        test_families.update(rng.sample(families, TEST_FAMILIES))
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for family, label, wordings in FAMILIES:
        made = 0
        attempt = 0
        while made < PER_FAMILY:
            text = _fill(wordings[attempt % len(wordings)], rng)
            attempt += 1
            if text in seen:
                continue
            seen.add(text)
            made += 1
            split = "test" if family in test_families else "train"
            rows.append({"headline": text, "label": label, "split": split, "family": family})
    rng.shuffle(rows)
    for number, row in enumerate(rows, start=1):
        row["id"] = f"Z{number:04d}"
    return rows


def main() -> None:
    rows = generate()
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["id", "headline", "label", "split", "family"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
