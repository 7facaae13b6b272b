//! Problem answers in Chinese for clients that ask with `Accept-Language:
//! zh`: the title and detail are translated, `code` and field names stay.

use super::ErrorCode;

/// The Chinese title of an HTTP status.
pub fn title(status: u16) -> &'static str {
    match status {
        400 => "请求有误",
        401 => "未认证",
        403 => "无权操作",
        404 => "未找到",
        405 => "不支持的请求方法",
        408 => "请求超时",
        409 => "冲突",
        412 => "前提条件不成立",
        413 => "请求体过大",
        414 => "请求地址过长",
        415 => "不支持的内容类型",
        422 => "无法处理的内容",
        429 => "请求过于频繁",
        431 => "请求头过大",
        500 => "服务器内部错误",
        503 => "服务暂不可用",
        _ => "错误",
    }
}

/// The Chinese detail of a problem code. Every code has one (the match is
/// exhaustive, so a new code cannot ship untranslated).
pub fn detail(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        BadRequest => "请求无法读取。",
        MalformedJson => "请求体不是该操作所需的 JSON。",
        MalformedBody => "请求体无法按其声明的格式解析。",
        MalformedCsv => "CSV 导入内容无法解析。",
        UnreadableBody => "无法从连接中读取请求体。",
        InvalidQuery => "查询参数格式错误或未知。",
        InvalidPath => "路径参数格式错误。",
        InvalidCursor => "分页游标格式错误或来自另一种排序。",
        InvalidIdempotencyKey => "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符。",
        Unauthenticated => "未提供登录凭据。",
        InvalidToken => "访问令牌格式错误、伪造或已过期。",
        SessionEnded => "该访问令牌所属的会话已结束，请重新登录。",
        AccountInactive => "账号不存在或已停用。",
        InvalidCredentials => "邮箱或密码错误。",
        InvalidRefreshToken => "刷新令牌未知、已过期或已吊销。",
        RefreshTokenReused => "已轮换的刷新令牌被再次使用，其整个令牌族已吊销。",
        InvalidApiKey => "API 密钥未知或已吊销。",
        Forbidden => "您无权执行此操作。",
        NotFound => "记录不存在，或您无权查看。",
        NoRoute => "没有此路径。",
        MethodNotAllowed => "此路径不支持该请求方法。",
        Conflict => "此更改与已有记录冲突。",
        ReferenceConflict => "此更改引用的记录不存在或仍在使用中。",
        CustomerExists => "该公司已是客户（撞单），见 context.existing。",
        AlreadyClaimed => "该记录已被他人领取。",
        AlreadyInPool => "该客户已在公海中。",
        PoolLimit => "超出公海规则的限制（持有上限、每日领取数、回捞冷却期或锁定上限）。",
        EmailTaken => "已有用户使用此邮箱。",
        DepartmentNameTaken => "同级部门中已有此名称。",
        DepartmentInUse => "该部门仍有用户或下级部门。",
        CodeTaken => "字典中已有此编码。",
        PipelineNameTaken => "已有同名销售流程。",
        PipelineEmpty => "该销售流程没有可开始的进行中阶段。",
        ContractNumberTaken => "已有合同使用此编号。",
        ContractState => "合同当前状态不允许此操作。",
        WorkReportExists => "您在该周期已有同类工作报告（见 context.id）。",
        WorkReportSubmitted => "工作报告已提交，不能再修改。",
        MentorshipExists => "该销售已有进行中的带教关系（见 context.id）。",
        CaseExists => "该商机已有案例（见 context.id）。",
        LeadClosed => "该线索已转化或已作废。",
        DealClosed => "该商机已赢单、输单或作废，赢率与预测分类不再修改。",
        UserRule => "此更改违反用户规则（例如不能移除最后一位管理员）。",
        UserOwnsCustomers => "该用户仍持有客户、未结线索或进行中的商机，请先交接。",
        IdempotencyInProgress => "使用此 Idempotency-Key 的请求仍在处理中。",
        IdempotencyKeyReused => "此 Idempotency-Key 已用于另一个请求。",
        StaleVersion => "记录在您读取后已被修改，请重新获取并使用新的 ETag 重试。",
        BodyTooLarge => "请求体超过该操作允许的大小。",
        TooManyRows => "导入行数超过单次请求的上限。",
        UnsupportedMediaType => "该操作不接受此 Content-Type。",
        ValidationFailed => "字段无效，errors 中列出了每个字段。",
        TooManyRequests => "请求过于频繁，请在 Retry-After 秒后重试。",
        DailyCapReached => "今日查看客户详情或导出数据的上限已用完，明天零点重置，或请管理员调整。",
        RequestTimeout => "请求体未按时到达，连接将关闭。",
        HeadTooLarge => "请求头（请求行与头字段）超过服务器的限制。",
        InternalError => "服务器出错，原因已记录。",
        Unavailable => "数据库暂无响应，请稍后重试。",
        Error => "请求失败。",
    }
}

/// Does `Accept-Language` prefer Chinese? The range with the highest
/// quality wins; ties go to the first listed.
pub fn prefers_zh(accept_language: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for part in accept_language.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.is_empty() {
            continue;
        }
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let zh = tag == "zh" || tag.starts_with("zh-");
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, zh));
        }
    }
    best.is_some_and(|(_, zh)| zh)
}
