//! Every string the console shows, in zh-CN and en. Components hold no text: they ask
//! [`Tr`]. Pure, tested natively.

use aftercare_protocol::case::{
    Actor, ApiError, CaseState, Consequence, EventKind, MediaKind, ProblemType, Reason, Resolution,
};
use aftercare_protocol::staff::{QueueTab, StaffRole};
use aftercare_protocol::time::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The first of zh/en among the browser's languages; English otherwise.
    pub fn choose<'a>(languages: impl IntoIterator<Item = &'a str>) -> Lang {
        for tag in languages {
            let tag = tag.to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr(pub Lang);

macro_rules! text {
    ($($name:ident: $zh:literal, $en:literal;)+) => {
        impl Tr {
            $(pub fn $name(self) -> &'static str { self.pick($zh, $en) })+
        }
    };
}

text! {
    title: "售后工作台", "After-sale console";
    sign_in_title: "登录售后工作台", "Sign in to the after-sale console";
    email: "邮箱", "Email";
    password: "密码", "Password";
    sign_in: "登录", "Sign in";
    sign_out: "退出登录", "Sign out";
    sign_out_everywhere: "退出所有设备", "Sign out everywhere";
    language: "English", "中文";
    seller_desk: "卖家售后台", "Seller desk";
    platform_desk: "平台仲裁台", "Arbitration desk";
    search: "搜索订单号、售后单号、手机号或运单号", "Search by order, case number, phone or tracking number";
    queue_empty: "这里没有售后单", "No cases here";
    back_to_queue: "返回列表", "Back to the queue";
    loading: "加载中…", "Loading…";
    load_failed: "加载失败，请重试", "Could not load; try again";
    retry: "重试", "Retry";
    col_case: "售后单", "Case";
    col_type: "问题类型", "Problem";
    col_resolution: "诉求", "Asked for";
    col_amount: "金额", "Amount";
    col_age: "提交于", "Filed";
    col_next: "下一步自动处理", "Next automatic step";
    col_state: "状态", "State";
    col_merchant: "商家", "Merchant";
    no_deadline: "无", "None";
    order: "订单", "Order";
    items: "商品", "Items";
    paid: "实付", "Paid";
    description: "问题描述", "Description";
    contact: "联系方式", "Contact";
    evidence: "凭证", "Evidence";
    no_evidence: "没有凭证", "No evidence";
    open_large: "查看大图", "Open large";
    timeline: "协商记录", "Conversation";
    return_shipment: "退货物流", "Return shipment";
    replacement_shipment: "补发物流", "Replacement shipment";
    return_address: "退货地址", "Return address";
    return_notes: "退货说明（可选）", "Return notes (optional)";
    actions: "处理", "Actions";
    no_actions: "现在没有需要您处理的事项", "Nothing for you to do now";
    message: "留言", "Message";
    message_optional: "留言（可选）", "Message (optional)";
    canned_reply: "快捷回复", "Canned reply";
    canned_none: "选择快捷回复…", "Choose a canned reply…";
    refusal_reason: "拒绝原因", "Reason";
    resolution_label: "方案", "Resolution";
    amount: "金额", "Amount";
    carrier: "快递公司", "Carrier";
    tracking_number: "运单号", "Tracking number";
    refund_reference: "退款流水号（可选）", "Refund reference (optional)";
    evidence_from: "向谁举证", "Ask for evidence from";
    due_in_hours: "举证时限（小时）", "Time to answer (hours)";
    in_favour_of: "裁定支持", "Rule for";
    stale: "该售后单已有更新，已显示最新内容，请确认后再操作。", "This case changed; here is the latest. Check it and act again.";
    done: "已提交", "Sent";
    seen_new: "新动态", "new";
    staff_label: "客服", "Staff";
    order_id_label: "订单号", "Order";
    settings: "工作台设置", "Desk settings";
    canned_replies: "快捷回复", "Canned replies";
    new_reply: "新增快捷回复", "New canned reply";
    staff_accounts: "客服账号", "Staff accounts";
    name: "姓名", "Name";
    role_label: "角色", "Role";
    remove: "删除", "Remove";
    add_staff: "添加客服", "Add a staff member";
    code: "代码（小写字母和 _）", "Code (a-z and _)";
    title_zh: "标题（中文）", "Title (Chinese)";
    title_en: "标题（英文）", "Title (English)";
    text_zh: "内容（中文）", "Text (Chinese)";
    text_en: "内容（英文）", "Text (English)";
    save: "保存", "Save";
    first_password: "初始密码（至少 10 位）", "First password (10 characters or more)";
    bulk_accept: "同意所选", "Accept selected";
    bulk_reply: "回复所选", "Reply to selected";
    attach: "附件（照片或视频）", "Attachments (photos or videos)";
    uploading: "上传中…", "Uploading…";
    upload_failed: "附件上传失败", "An attachment did not upload";
    appeals: "申诉", "Appeals";
    zoom: "放大", "Zoom";
    close: "关闭", "Close";
}

impl Tr {
    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        self.either(zh, en)
    }

    /// The one of two texts in this language: configured wording (refusal reasons,
    /// canned replies) comes in both.
    pub fn either<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self.0 {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Why an action's form cannot be sent yet.
    pub fn form_error(self, error: crate::actions::FormError) -> &'static str {
        use crate::actions::FormError;
        match error {
            FormError::MessageRequired => self.pick("请填写留言。", "Write a message."),
            FormError::AmountInvalid => self.pick("请填写有效金额。", "Enter a valid amount."),
            FormError::ReasonRequired => self.pick("请选择拒绝原因。", "Choose a reason."),
            FormError::AddressRequired => self.pick("请填写退货地址。", "Give the return address."),
            FormError::ShipmentRequired => {
                self.pick("请填写快递公司和运单号。", "Give the carrier and the tracking number.")
            }
            FormError::EvidenceFromRequired => self.pick("请选择举证方。", "Choose whom to ask."),
            FormError::HoursInvalid => self.pick("时限为 1 到 720 小时。", "The time is 1 to 720 hours."),
        }
    }

    pub fn role(self, role: StaffRole) -> &'static str {
        match role {
            StaffRole::Agent => self.pick("客服", "Agent"),
            StaffRole::Admin => self.pick("管理员", "Admin"),
        }
    }

    /// The checkbox that selects a case for a bulk action.
    pub fn select_case(self, number: &str) -> String {
        match self.0 {
            Lang::Zh => format!("选择 {number}"),
            Lang::En => format!("Select {number}"),
        }
    }

    /// How a bulk action went: "3 done, 1 failed".
    pub fn bulk_result(self, done: usize, failed: usize) -> String {
        match self.0 {
            Lang::Zh => format!("{done} 个成功，{failed} 个失败"),
            Lang::En => format!("{done} done, {failed} failed"),
        }
    }

    pub fn tab(self, tab: QueueTab) -> &'static str {
        match tab {
            QueueTab::New => self.pick("新申请", "New"),
            QueueTab::WaitingForMe => self.pick("待我处理", "Waiting for me"),
            QueueTab::WaitingForShopper => self.pick("待买家回应", "Waiting for the shopper"),
            QueueTab::InReturn => self.pick("退货中", "In return"),
            QueueTab::Escalated => self.pick("平台介入", "Escalated"),
            QueueTab::Closed => self.pick("已结束", "Closed"),
        }
    }

    pub fn state(self, state: CaseState) -> &'static str {
        match state {
            CaseState::AwaitingSeller => self.pick("待卖家处理", "Waiting for the seller"),
            CaseState::SellerRefused => self.pick("卖家已拒绝", "Refused by the seller"),
            CaseState::AwaitingReturnShipment => self.pick("待买家寄回", "Waiting for the return"),
            CaseState::AwaitingSellerReceipt => self.pick("待卖家收货", "Return on its way"),
            CaseState::AwaitingResolution => self.pick("待退款或发货", "Refund or shipment due"),
            CaseState::Escalated => self.pick("平台介入中", "Escalated"),
            CaseState::OfferPending => self.pick("待买家回应方案", "Offer waiting for the shopper"),
            CaseState::OfferDeclined => self.pick("买家拒绝了方案", "Offer declined"),
            CaseState::EvidenceRound => self.pick("举证中", "Evidence round"),
            CaseState::Ruled => self.pick("已裁定（可申诉）", "Ruled (open to appeal)"),
            CaseState::Resolved => self.pick("已解决", "Resolved"),
            CaseState::Closed => self.pick("已关闭", "Closed"),
            CaseState::Withdrawn => self.pick("买家已撤销", "Withdrawn"),
        }
    }

    pub fn problem_type(self, kind: ProblemType) -> &'static str {
        match kind {
            ProblemType::Quality => self.pick("质量问题", "Quality problem"),
            ProblemType::Logistics => self.pick("物流问题", "Delivery problem"),
            ProblemType::NotAsDescribed => self.pick("描述不符", "Not as described"),
            ProblemType::SellerService => self.pick("卖家服务", "Seller service"),
            ProblemType::NoReasonReturn => self.pick("七天无理由", "7-day no-reason return"),
        }
    }

    pub fn reason(self, reason: Reason) -> &'static str {
        match reason {
            Reason::Broken => self.pick("破损", "Broken"),
            Reason::Malfunction => self.pick("功能故障", "Does not work"),
            Reason::Delayed => self.pick("延误", "Delayed"),
            Reason::Lost => self.pick("丢件", "Lost"),
            Reason::DamagedInTransit => self.pick("运输破损", "Damaged in transit"),
            Reason::Colour => self.pick("颜色不符", "Colour"),
            Reason::Size => self.pick("尺码不符", "Size"),
            Reason::Material => self.pick("材质不符", "Material"),
            Reason::Attitude => self.pick("服务态度", "Attitude"),
            Reason::NoResponse => self.pick("不回复", "No response"),
            Reason::Other => self.pick("其他", "Other"),
            Reason::NoReason => self.pick("无理由", "No reason needed"),
        }
    }

    pub fn resolution(self, resolution: Resolution) -> &'static str {
        match resolution {
            Resolution::RefundOnly => self.pick("仅退款", "Refund only"),
            Resolution::ReturnAndRefund => self.pick("退货退款", "Return and refund"),
            Resolution::Exchange => self.pick("换货", "Exchange"),
            Resolution::Reshipment => self.pick("补发", "Reshipment"),
            Resolution::ComplaintOnly => self.pick("仅投诉", "Complaint only"),
        }
    }

    pub fn actor(self, actor: Actor) -> &'static str {
        match actor {
            Actor::Shopper => self.pick("买家", "Shopper"),
            Actor::Seller => self.pick("卖家", "Seller"),
            Actor::Platform => self.pick("平台", "Platform"),
            Actor::System => self.pick("系统", "System"),
        }
    }

    pub fn media_kind(self, kind: MediaKind) -> &'static str {
        match kind {
            MediaKind::Photo => self.pick("照片", "Photo"),
            MediaKind::Video => self.pick("视频", "Video"),
        }
    }

    /// What an event was, in the history; and the button for it, as a next action.
    pub fn event(self, kind: EventKind) -> &'static str {
        use EventKind::*;
        match kind {
            File => self.pick("提交申请", "Filed"),
            Accept => self.pick("同意申请", "Accept"),
            Refuse => self.pick("拒绝申请", "Refuse"),
            Message => self.pick("留言", "Reply"),
            CounterOffer => self.pick("提出新方案", "Counter-offer"),
            AcceptOffer => self.pick("接受方案", "Accepted the offer"),
            DeclineOffer => self.pick("拒绝方案", "Declined the offer"),
            OfferLapsed => self.pick("方案已过期", "Offer lapsed"),
            ReturnShipment => self.pick("寄回商品", "Sent the item back"),
            ConfirmReceipt => self.pick("确认收货", "Confirm receipt"),
            PayRefund => self.pick("记录退款", "Record the refund"),
            ShipReplacement => self.pick("记录补发/换货发货", "Record the replacement shipment"),
            Resolve => self.pick("标记已解决", "Mark resolved"),
            Escalate => self.pick("申请平台介入", "Asked the platform to step in"),
            RequestEvidence => self.pick("发起举证", "Open an evidence round"),
            SubmitEvidence => self.pick("提交举证", "Submit evidence"),
            EvidenceRoundEnded => self.pick("举证结束", "Evidence round ended"),
            RuleForShopper => self.pick("裁定支持买家", "Rule for the shopper"),
            RuleForSeller => self.pick("裁定支持卖家", "Rule for the seller"),
            Appeal => self.pick("申诉", "Appeal"),
            RulingCarriedOut => self.pick("裁定生效", "Ruling carried out"),
            Withdraw => self.pick("撤销申请", "Withdrew"),
            Close => self.pick("超时关闭", "Closed when time ran out"),
        }
    }

    /// "auto-accepted in 5 h", "closes in 2 d", "overdue".
    pub fn countdown(self, consequence: Consequence, due_at: Timestamp, now: Timestamp) -> String {
        let what = match consequence {
            Consequence::ShopperMayEscalate => self.pick("买家可申请介入", "shopper may escalate"),
            Consequence::AutoAccept => self.pick("自动同意", "auto-accepted"),
            Consequence::AutoClose => self.pick("自动关闭", "closes"),
            Consequence::AutoConfirmReceipt => self.pick("自动确认收货", "receipt auto-confirmed"),
            Consequence::OfferLapses => self.pick("方案过期", "offer lapses"),
            Consequence::EvidenceRoundEnds => self.pick("举证结束", "evidence round ends"),
            Consequence::RulingCarriedOut => self.pick("裁定生效", "ruling takes effect"),
        };
        let left = due_at.0.saturating_sub(now.0);
        if left <= 0 {
            return match self.0 {
                Lang::Zh => format!("{what}（已到期）"),
                Lang::En => format!("{what} (due now)"),
            };
        }
        let span = self.span(left);
        match self.0 {
            Lang::Zh => format!("{span}后{what}"),
            Lang::En => format!("{what} in {span}"),
        }
    }

    /// "3 d ago", "5 min ago".
    pub fn age(self, at: Timestamp, now: Timestamp) -> String {
        let span = self.span(now.0.saturating_sub(at.0).max(60_000));
        match self.0 {
            Lang::Zh => format!("{span}前"),
            Lang::En => format!("{span} ago"),
        }
    }

    /// A duration, rounded down to its largest unit: minutes, hours or days.
    fn span(self, millis: i64) -> String {
        let minutes = millis / 60_000;
        let (n, zh, en) = match minutes {
            m if m < 60 => (m.max(1), "分钟", "min"),
            m if m < 48 * 60 => (m / 60, "小时", "h"),
            m => (m / (24 * 60), "天", "d"),
        };
        match self.0 {
            Lang::Zh => format!("{n} {zh}"),
            Lang::En => format!("{n} {en}"),
        }
    }

    /// A server error, worded from its code and parameters (never its English message).
    pub fn error(self, status: u16, error: Option<&ApiError>) -> String {
        let code = error.map(|e| e.code.as_str()).unwrap_or_default();
        let text = match code {
            "sign_in_failed" => self.pick(
                "邮箱或密码错误，或账号已暂时锁定，请稍后再试。",
                "The email or password is wrong, or the account is locked for a while.",
            ),
            "rate_limited" => {
                let wait = error.and_then(|e| e.params.max).unwrap_or(60);
                return match self.0 {
                    Lang::Zh => format!("尝试次数过多，请在 {wait} 秒后重试。"),
                    Lang::En => format!("Too many attempts; try again in {wait} s."),
                };
            }
            "session_expired" | "session_missing" => {
                self.pick("登录已过期，请重新登录。", "Your session has ended; sign in again.")
            }
            "csrf_token_invalid" => {
                self.pick("页面已过期，请刷新后重试。", "This page is out of date; reload it and try again.")
            }
            "version_mismatch" => self.stale(),
            "case_not_found" => self.pick("找不到该售后单。", "No such case."),
            "transition_not_allowed" => self.pick("该售后单现在不能这样处理。", "The case cannot take this step now."),
            "return_instructions_required" => self.pick("请填写退货地址。", "Give the return address."),
            "too_short" => self.pick("请填写留言。", "Write a message."),
            "too_long" => self.pick("内容太长了。", "That is too long."),
            "amount_over_cap" => self.pick("金额超过了可退金额。", "The amount is over what can be refunded."),
            "invalid_amount" => self.pick("请填写有效金额。", "Enter a valid amount."),
            "offer_same_as_asked" => {
                self.pick("新方案与买家诉求相同，请直接同意。", "That is what the shopper asked for: accept instead.")
            }
            "unknown_refusal_reason" => self.pick("请选择拒绝原因。", "Choose a reason."),
            "media_not_found" => self.pick("附件未上传完成。", "An attachment has not finished uploading."),
            "admin_required" => self.pick("只有管理员可以这样做。", "Only the desk's admins may do this."),
            "email_taken" => self.pick("该邮箱已有账号。", "An account with this email exists already."),
            "invalid_email" => self.pick("邮箱格式不正确。", "That is not an email address."),
            "invalid_code" => self.pick("代码只能包含小写字母和 _。", "The code takes a-z and _ only."),
            "media_kind_mismatch" | "unsupported_media_type" => {
                self.pick("不支持该文件类型。", "That kind of file is not accepted.")
            }
            _ if status == 0 => self.pick("网络连接失败，请重试。", "The network failed; try again."),
            _ if status >= 500 => self.pick("服务器出错，请稍后重试。", "The server failed; try again shortly."),
            _ => self.pick("请求未被接受，请检查填写内容。", "The request was not accepted; check what you entered."),
        };
        text.to_owned()
    }

    /// The unseen count in the tab title: "(3) 售后工作台".
    pub fn window_title(self, unseen: usize) -> String {
        if unseen == 0 {
            self.title().to_owned()
        } else {
            format!("({unseen}) {}", self.title())
        }
    }

    /// A canned reply with the order number and the shopper's name filled in. Without
    /// a name the placeholder goes with the space before it ("Hello, …"); the rest of
    /// the template is left as the merchant wrote it.
    pub fn fill(template: &str, order_id: &str, shopper_name: Option<&str>) -> String {
        let named = match shopper_name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => template.replace("{shopper_name}", name),
            None => template.replace(" {shopper_name}", "").replace("{shopper_name}", ""),
        };
        named.replace("{order_id}", order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_764_316_800_000);

    #[test]
    fn the_language_follows_the_browser() {
        assert_eq!(Lang::choose(["fr-FR", "zh-TW", "en"]), Lang::Zh);
        assert_eq!(Lang::choose(["en-GB", "zh-CN"]), Lang::En);
        assert_eq!(Lang::choose(["de"]), Lang::En);
    }

    #[test]
    fn countdowns_and_ages_read_naturally() {
        let en = Tr(Lang::En);
        let zh = Tr(Lang::Zh);
        let in_5h = Timestamp(NOW.0 + 5 * 3_600_000 + 59_000);
        assert_eq!(en.countdown(Consequence::AutoAccept, in_5h, NOW), "auto-accepted in 5 h");
        assert_eq!(zh.countdown(Consequence::AutoAccept, in_5h, NOW), "5 小时后自动同意");
        assert_eq!(en.countdown(Consequence::AutoClose, Timestamp(NOW.0 + 3 * 86_400_000), NOW), "closes in 3 d");
        assert_eq!(en.countdown(Consequence::OfferLapses, Timestamp(NOW.0 + 20_000), NOW), "offer lapses in 1 min");
        assert_eq!(en.countdown(Consequence::AutoClose, NOW, NOW), "closes (due now)");
        assert_eq!(en.age(Timestamp(NOW.0 - 2 * 86_400_000), NOW), "2 d ago");
        assert_eq!(zh.age(NOW, NOW), "1 分钟前");
    }

    #[test]
    fn errors_are_worded_from_their_code() {
        let en = Tr(Lang::En);
        let limited = ApiError {
            code: "rate_limited".into(),
            message: "ignored".into(),
            field: None,
            params: aftercare_protocol::case::ErrorParams { max: Some(7), ..Default::default() },
            case: None,
        };
        assert_eq!(en.error(429, Some(&limited)), "Too many attempts; try again in 7 s.");
        let failed = ApiError { code: "sign_in_failed".into(), params: Default::default(), ..limited };
        assert!(en.error(401, Some(&failed)).contains("password is wrong"));
        assert!(!en.error(401, Some(&failed)).contains("ignored"));
        assert!(en.error(0, None).contains("network"));
    }

    #[test]
    fn canned_replies_are_filled_in() {
        let template = "Hello {shopper_name}, about order {order_id}: photos please.";
        assert_eq!(
            Tr::fill(template, "20261128-0042", Some("李雷")),
            "Hello 李雷, about order 20261128-0042: photos please."
        );
        assert_eq!(Tr::fill(template, "o-1", None), "Hello, about order o-1: photos please.");
        assert_eq!(Tr::fill(template, "o-1", Some("  ")), "Hello, about order o-1: photos please.");
        // Only the placeholder moves: the merchant's own spacing stays.
        assert_eq!(
            Tr::fill("您好{shopper_name},订单 {order_id} , 请补充照片。", "o-2", None),
            "您好,订单 o-2 , 请补充照片。"
        );
        assert_eq!(Tr(Lang::En).window_title(3), "(3) After-sale console");
        assert_eq!(Tr(Lang::Zh).window_title(0), "售后工作台");
    }
}
