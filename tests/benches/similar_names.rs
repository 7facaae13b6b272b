//! Look-alike names at scale: 1,000,000 customers with realistic Chinese
//! company names (city + brand + industry + legal form), written behind the
//! API's back, then indexed by the server at start (timed). Measures the
//! duplicate check for the four probes of issue 15 (are they found? p50/p99
//! over HTTP, one client) and sequential creates with the look-alike warning.
//! Run with `make bench`; writes its section of docs/benchmarks.md. A
//! benchmark, not a test: nothing here passes or fails on speed.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crm_tests::child::ChildServer;
use serde_json::json;

const PROBES: [&str; 4] = [
    "北京字节跳动科技发展有限公司",
    "字节跳动科技有限公司",
    "北京字节跳动",
    "北京字节跳动网络技术有限公司",
];
const ROUNDS: usize = 250;
const CREATES: usize = 500;

/// About 500 brand characters, 40 cities, 30 industry words, 4 legal forms:
/// a brand is three characters, distinct for every row up to 1,000,003.
fn seed_sql(total: i64) -> String {
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
    let pick = |list: &[&str], expr: &str| {
        let arms: String = list
            .iter()
            .enumerate()
            .map(|(k, v)| format!(" WHEN {k} THEN '{v}'"))
            .collect();
        format!("(CASE ({expr}) % {}{arms} END)", list.len())
    };
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

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn run(postgres: bool, total: i64) -> Vec<String> {
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut server = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), postgres, &[]);
    let admin = server.admin_token();
    let target = server
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "北京字节跳动科技有限公司"}))
        .expect(201)
        .json()["id"]
        .clone();
    let started = Instant::now();
    server.sql(&seed_sql(total));
    let seeded = started.elapsed().as_secs_f64();
    let customers = server.count("SELECT COUNT(*) AS n FROM customers");
    server.sql("DELETE FROM customer_name_grams");
    server.sql("DELETE FROM settings WHERE name = 'name_grams_built'");
    let started = Instant::now();
    server.restart();
    let indexed = started.elapsed().as_secs_f64();
    let grams = server.count("SELECT COUNT(*) AS n FROM customer_name_grams");
    // what autovacuum does shortly after a bulk load
    server.sql(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" });
    let admin = server.admin_token();
    let mut lines = vec![format!(
        "| {customers} customers seeded by SQL in {seeded:.1} s; name index built at start in {indexed:.1} s ({grams} grams) | {name} | | |"
    )];
    let mut all = Vec::new();
    for probe in PROBES {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut found = false;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = server
                .post("/api/v1/customers/duplicate-check")
                .bearer(&admin)
                .json(&json!({"name": probe}))
                .expect(200);
            times.push(t.elapsed());
            found = r.json()["similar"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["customer_id"] == target);
        }
        times.sort();
        all.extend(times.iter().copied());
        lines.push(format!(
            "| duplicate check `{probe}` over HTTP, {ROUNDS} requests, one client | {name} | p50 {:.2} ms, p99 {:.2} ms | {} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            if found { "target found" } else { "TARGET NOT FOUND" }
        ));
    }
    all.sort();
    lines.push(format!(
        "| duplicate check, all four probes | {name} | p50 {:.2} ms, p99 {:.2} ms | |",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    ));
    let started = Instant::now();
    for i in 0..CREATES {
        server
            .post("/api/v1/customers")
            .bearer(&admin)
            .json(&json!({"name": format!("杭州基准测试{i}号网络科技有限公司")}))
            .expect(201);
    }
    let rate = CREATES as f64 / started.elapsed().as_secs_f64();
    lines.push(format!(
        "| customer create with dedup, audit and look-alike warning, {CREATES} sequential | {name} | {rate:.0} creates/s | one client; not the 16-connection load of issue 15 |"
    ));
    lines
}

fn main() {
    let total: i64 = std::env::var("CRM_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut lines = Vec::new();
    for (skip, postgres) in [("CRM_BENCH_SKIP_SQLITE", false), ("CRM_BENCH_SKIP_PG", true)] {
        if std::env::var(skip).is_ok() {
            continue;
        }
        for line in run(postgres, total) {
            println!("{line}");
            lines.push(line);
        }
    }
    crm_tests::write_bench_section(
        "similar_names",
        &format!(
            "## Look-alike names among {total} customers (tests/benches/similar_names.rs)\n\n| measure | backend | result | notes |\n|---|---|---|---|\n{}",
            lines.join("\n")
        ),
    );
    println!("written to docs/benchmarks.md");
}
