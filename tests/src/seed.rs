//! Data for benchmarks, written behind the API's back in SQL, and what
//! they read of the server process.

/// Inserts `total` customers with realistic Chinese company names (city +
/// brand + industry + legal form), owned by nobody, keyed but not indexed
/// for look-alikes (the server indexes them at start once the
/// `name_grams_built` setting is gone).
///
/// About 500 brand characters, 40 cities, 30 industry words, 4 legal forms:
/// a brand is three characters, distinct for every row up to 1,000,003.
pub fn company_names_sql(total: i64) -> String {
    const BRAND: &str = "安邦宝贝北创达大德鼎东方丰福富港光广国海航浩禾和恒弘鸿华汇惠吉佳嘉建江金锦京晶景久聚凯康科坤蓝乐利联隆龙绿美明铭南宁鹏平普奇启千乾巧庆瑞润森山尚申盛世顺思泰天通同万旺威维伟文沃祥协新鑫信星兴雄旭亚扬阳耀一亿益永优宇元源远悦跃云泽展兆正志智中众卓紫奥百邦博诚辰成驰传春聪翠丹道迪鼎都朵尔帆飞峰芬枫凤甘钢高格耕工功贡古冠桂贵果涵翰豪好合河贺红厚虎沪辉慧火基集加坚江杰捷洁金津锦劲晶精靖九炬君骏开楷可客空魁昆岚朗雷力立丽亮林麟灵凌领路伦罗洛马迈茂梅萌蒙米民敏名木纳能宁诺欧派磐朋品屏浦奇琦启谦强桥勤青清晴琼求全泉然仁荣融锐睿若萨赛三桑沙善上韶深神升圣师石实士首舒曙树帅双水硕斯松苏速泰坦腾天田铁亭通童图拓万维卫魏温稳沃吴五武西希溪喜霞先贤翔小晓欣馨星行雄秀旭宣雪逊雅延岩炎彦燕扬洋仰尧耀野依怡宜亿艺毅银英盈颖永勇友宇羽玉育昱誉元园原圆远苑岳跃越云韵泽增展湛张章长召哲真振正之知执志至致中忠钟舟洲竹卓子紫宗";
    const CITIES: [&str; 40] = [
        "北京",
        "上海",
        "广州",
        "深圳",
        "杭州",
        "成都",
        "武汉",
        "南京",
        "重庆",
        "天津",
        "苏州",
        "西安",
        "长沙",
        "郑州",
        "青岛",
        "沈阳",
        "宁波",
        "东莞",
        "无锡",
        "厦门",
        "福州",
        "济南",
        "合肥",
        "大连",
        "昆明",
        "佛山",
        "哈尔滨",
        "长春",
        "石家庄",
        "南昌",
        "贵阳",
        "南宁",
        "太原",
        "兰州",
        "海口",
        "乌鲁木齐",
        "呼和浩特",
        "银川",
        "西宁",
        "拉萨",
    ];
    const TRADES: [&str; 30] = [
        "科技",
        "信息技术",
        "网络科技",
        "贸易",
        "实业",
        "电子",
        "软件",
        "智能科技",
        "生物科技",
        "医药",
        "新能源",
        "建筑工程",
        "环保科技",
        "文化传媒",
        "教育科技",
        "物流",
        "餐饮管理",
        "商贸",
        "机械设备",
        "汽车服务",
        "咨询",
        "广告",
        "食品",
        "服饰",
        "材料科技",
        "数据服务",
        "金融服务",
        "工业",
        "化工",
        "农业发展",
    ];
    const FORMS: [&str; 4] = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"];
    let n = BRAND.chars().count();
    // j runs over a permutation of the rows (7919 is invertible modulo the
    // prime 1000003); its base-n digits pick the brand, so brands are distinct
    let j = "((CAST(i AS BIGINT) * 7919) % 1000003)";
    let ch = |digit: String| format!("substr('{BRAND}', CAST(({digit}) + 1 AS INTEGER), 1)");
    let d1 = format!("{j} % {n}");
    let d2 = format!("({j} / {n}) % {n}");
    let d3 = format!("({j} / {}) % {n}", n * n);
    let brand = format!(
        "{} || {} || {}",
        ch(d1.clone()),
        ch(d2.clone()),
        ch(format!("({d1} + 7 * ({d2}) + 13 * ({d3})) % {n}"))
    );
    let city = pick(&CITIES, "i * 7 + i / 101");
    let trade = pick(&TRADES, "i * 11 + i / 97");
    let form = pick(&FORMS, "i / 13");
    // the key drops the legal form; the reversed key is only read by the fallback
    format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {total}) \
         INSERT INTO customers (name, name_key, name_key_rev, created_at, updated_at) \
         SELECT {city} || {brand} || {trade} || {form}, {city} || {brand} || {trade}, '-', \
                CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
}

/// A SQL `CASE` choosing one of `list` by `expr` modulo its length.
pub fn pick(list: &[&str], expr: &str) -> String {
    let arms: String = list
        .iter()
        .enumerate()
        .map(|(k, v)| format!(" WHEN {k} THEN '{v}'"))
        .collect();
    format!("(CASE ({expr}) % {}{arms} END)", list.len())
}

/// Resident memory now and at its peak (MB), and the threads of a process,
/// from /proc.
pub fn memory_and_threads(pid: u32) -> (f64, f64, u32) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (
        field("VmRSS:") / 1024.0,
        field("VmHWM:") / 1024.0,
        field("Threads:") as u32,
    )
}
