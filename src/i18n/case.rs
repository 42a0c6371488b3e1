//! The guided case flow's text: step titles, problem types, reasons, resolutions and
//! what happens next, the source document's guidance for each problem type (section
//! 二, with "the platform" for the marketplace), validation messages and the receipt,
//! the evidence step's pickers and file states.

use aftercare_protocol::case::{
    ApiError, CaseState, ErrorParams, EventKind, MediaKind, ProblemType, Reason, Resolution,
};
use aftercare_protocol::validate::FieldError;

use super::Tr;
use crate::flow::Step;

impl Tr {
    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        if self.zh() {
            zh
        } else {
            en
        }
    }

    /// A moment in the shopper's time zone and language ("28 Nov 2026, 16:00").
    pub fn date_time(self, at: aftercare_protocol::time::Timestamp) -> String {
        crate::clock::local_date_time(self.0.tag(), at)
    }

    pub fn case_start(self) -> &'static str {
        self.pick("申请售后", "Start an after-sale request")
    }

    pub fn step_title(self, step: Step) -> &'static str {
        match step {
            Step::Items => self.pick("哪件商品有问题?", "Which item is it about?"),
            Step::Problem => self.pick("遇到了什么问题?", "What went wrong?"),
            Step::Guidance => self.pick("处理流程", "How this works"),
            Step::Resolution => self.pick("希望如何处理?", "What would you like?"),
            Step::Details => self.pick("描述问题并上传凭证", "Describe it and add evidence"),
            Step::Contact => self.pick("卖家如何联系您?", "How can the seller reach you?"),
            Step::Review => self.pick("确认并提交", "Check and submit"),
            Step::Receipt => self.pick("申请已提交", "Request submitted"),
        }
    }

    pub fn reason_label(self) -> &'static str {
        self.pick("具体原因", "What exactly?")
    }

    pub fn step_count(self, at: usize, of: usize) -> String {
        if self.zh() {
            format!("第 {at} 步,共 {of} 步")
        } else {
            format!("Step {at} of {of}")
        }
    }

    pub fn back(self) -> &'static str {
        self.pick("上一步", "Back")
    }

    pub fn next(self) -> &'static str {
        self.pick("下一步", "Next")
    }

    pub fn edit(self) -> &'static str {
        self.pick("修改", "Change")
    }

    pub fn submit(self) -> &'static str {
        self.pick("提交申请", "Submit request")
    }

    pub fn cancel_case(self) -> &'static str {
        self.pick("返回联系方式", "Back to contact options")
    }

    pub fn problem_type(self, kind: ProblemType) -> &'static str {
        match kind {
            ProblemType::Quality => self.pick("商品质量问题", "Quality problem"),
            ProblemType::Logistics => self.pick("物流问题", "Delivery problem"),
            ProblemType::NotAsDescribed => self.pick("商品与描述不符", "Not as described"),
            ProblemType::SellerService => self.pick("售后服务问题", "Seller service"),
            ProblemType::NoReasonReturn => self.pick("七天无理由退货", "7-day no-reason return"),
        }
    }

    pub fn reason(self, reason: Reason) -> &'static str {
        match reason {
            Reason::Broken => self.pick("破损", "Broken or damaged"),
            Reason::Malfunction => self.pick("功能故障", "Does not work"),
            Reason::Delayed => self.pick("物流延迟", "Delivery is late"),
            Reason::Lost => self.pick("包裹丢失", "Parcel lost"),
            Reason::DamagedInTransit => self.pick("运输途中损坏", "Damaged in transit"),
            Reason::Colour => self.pick("颜色不符", "Wrong colour"),
            Reason::Size => self.pick("尺寸不符", "Wrong size"),
            Reason::Material => self.pick("材质不符", "Wrong material"),
            Reason::Attitude => self.pick("卖家态度恶劣", "Rude seller"),
            Reason::NoResponse => self.pick("卖家不回复", "Seller does not answer"),
            Reason::Other => self.pick("其他", "Something else"),
            Reason::NoReason => self.pick("不想要了", "Changed my mind"),
        }
    }

    pub fn resolution(self, resolution: Resolution) -> &'static str {
        match resolution {
            Resolution::RefundOnly => self.pick("仅退款", "Refund only"),
            Resolution::ReturnAndRefund => self.pick("退货退款", "Return and refund"),
            Resolution::Exchange => self.pick("换货", "Exchange"),
            Resolution::Reshipment => self.pick("补发", "Send it again"),
            Resolution::ComplaintOnly => self.pick("投诉反馈", "Complaint"),
        }
    }

    /// One line on what happens next with this resolution.
    pub fn resolution_next(self, resolution: Resolution) -> &'static str {
        match resolution {
            Resolution::RefundOnly => self.pick(
                "卖家同意后直接退款,无需寄回商品。",
                "Once the seller agrees, you are refunded; nothing goes back.",
            ),
            Resolution::ReturnAndRefund => self.pick(
                "卖家同意后按卖家提供的地址寄回商品,卖家确认收货后退款。",
                "Once the seller agrees, send the item to the address they give; you are refunded when it arrives.",
            ),
            Resolution::Exchange => self.pick(
                "卖家同意后寄回商品,卖家确认收货后发出新的商品。",
                "Once the seller agrees, send the item back; a replacement ships when it arrives.",
            ),
            Resolution::Reshipment => {
                self.pick("卖家同意后重新发货。", "Once the seller agrees, they send the item again.")
            }
            Resolution::ComplaintOnly => self.pick(
                "卖家会回复您;如果无法解决,您可以申请平台介入。",
                "The seller answers you; if that does not settle it, you can ask the platform to step in.",
            ),
        }
    }

    /// The source document's guidance for each type, before the form asks anything.
    pub fn guidance(self, kind: ProblemType) -> Vec<&'static str> {
        match kind {
            ProblemType::Quality | ProblemType::NotAsDescribed => vec![
                self.pick(
                    "联系卖家:说明问题,并提供相关证据(如照片、视频等)。下一步会请您上传。",
                    "Tell the seller what is wrong and show it: photos or videos, which you add in a moment.",
                ),
                self.pick(
                    "申请退货或换货:如果卖家同意,请按照卖家的要求将商品寄回。",
                    "Return or exchange: if the seller agrees, send the item back as the seller asks.",
                ),
                self.pick(
                    "申请平台介入:如果卖家不同意退货或换货,您可以申请平台客服介入,由平台进行仲裁处理。",
                    "If the seller refuses, you can ask the platform's service team to step in and decide.",
                ),
            ],
            ProblemType::Logistics => vec![
                self.pick(
                    "查看物流信息:先在订单页面查看包裹的当前状态。",
                    "Check the tracking first, to see where the parcel is.",
                ),
                self.pick(
                    "联系物流公司:如果物流信息长时间未更新,可以联系物流公司查询包裹的具体情况。",
                    "If the tracking has not moved for a long time, ask the carrier about the parcel.",
                ),
                self.pick(
                    "申请退款或补发:如果包裹丢失或长时间未送达,可以申请退款或要求卖家补发商品。",
                    "If the parcel is lost or very late, ask for a refund or for the seller to send it again.",
                ),
            ],
            ProblemType::SellerService => vec![
                self.pick(
                    "联系卖家:与卖家沟通问题,表达您的不满和诉求。",
                    "Tell the seller what went wrong and what you expect.",
                ),
                self.pick(
                    "申请平台介入:如果卖家无法解决问题,您可以申请平台客服介入,由平台进行仲裁处理。",
                    "If the seller cannot settle it, you can ask the platform's service team to step in and decide.",
                ),
            ],
            ProblemType::NoReasonReturn => vec![
                self.pick(
                    "签收后七天内,未使用且不影响二次销售的商品可以无理由退货。",
                    "Within 7 days of delivery you can return an unused item without giving a reason.",
                ),
                self.pick(
                    "定制、鲜活易腐、数字化商品等不适用。",
                    "Custom-made, perishable and digital goods are excluded.",
                ),
                self.pick(
                    "请按照卖家提供的地址寄回商品,卖家确认收货后退款。",
                    "Send it to the address the seller gives; you are refunded when it arrives.",
                ),
            ],
        }
    }

    /// "SF Express · SF1234567890" with a link to track it (the logistics guidance).
    pub fn tracking(self, carrier: &str, number: &str) -> String {
        if self.zh() {
            format!("物流:{carrier} · 运单号 {number}")
        } else {
            format!("Carrier: {carrier} · tracking number {number}")
        }
    }

    pub fn description_label(self) -> &'static str {
        self.pick("问题描述", "What happened")
    }

    pub fn characters(self, used: usize, max: usize) -> String {
        if self.zh() {
            format!("{used}/{max} 字")
        } else {
            format!("{used}/{max} characters")
        }
    }

    pub fn evidence_needed(self, photos: u8, videos: u8) -> String {
        match (self.zh(), photos, videos) {
            (true, 0, 0) => "可以上传照片或视频作为凭证(可选)。".into(),
            (true, p, 0) => format!("请至少上传 {p} 张照片。"),
            (true, p, v) => format!("请至少上传 {p} 张照片和 {v} 段视频。"),
            (false, 0, 0) => "Photos or videos help (optional).".into(),
            (false, p, 0) => format!("Add at least {p} photo{}.", if p == 1 { "" } else { "s" }),
            (false, p, v) => format!("Add at least {p} photo(s) and {v} video(s)."),
        }
    }

    pub fn contact_name(self) -> &'static str {
        self.pick("姓名(可选)", "Name (optional)")
    }

    pub fn contact_phone(self) -> &'static str {
        self.pick("手机号", "Phone")
    }

    pub fn contact_email(self) -> &'static str {
        self.pick("邮箱", "Email")
    }

    pub fn contact_hint(self) -> &'static str {
        self.pick("请至少填写手机号或邮箱中的一项。", "Give a phone number, an email address, or both.")
    }

    pub fn review_items(self) -> &'static str {
        self.pick("商品", "Items")
    }

    pub fn review_problem(self) -> &'static str {
        self.pick("问题", "Problem")
    }

    pub fn review_resolution(self) -> &'static str {
        self.pick("处理方式", "Resolution")
    }

    pub fn review_details(self) -> &'static str {
        self.pick("描述与凭证", "Description and evidence")
    }

    pub fn review_contact(self) -> &'static str {
        self.pick("联系方式", "Contact")
    }

    pub fn files(self, photos: usize, videos: usize) -> String {
        if self.zh() {
            format!("{photos} 张照片,{videos} 段视频")
        } else {
            format!("{photos} photo(s), {videos} video(s)")
        }
    }

    /// A step's problem, in the shopper's language: from the shared rules' error codes.
    pub fn field_error(self, error: &FieldError) -> String {
        self.field_message(&error.field, error.code, &error.params, &error.message)
    }

    /// As [`Tr::field_error`], from the parts (a server's answer carries them too): the
    /// code says what is wrong, `params` the numbers; `message` (English, for
    /// developers) is shown only for a code this widget does not know.
    pub fn field_message(self, field: &str, code: &str, params: &ErrorParams, message: &str) -> String {
        let zh = self.zh();
        let number = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        let (min, max) = (number(params.min), number(params.max));
        let root = field.split(['.', '[']).next().unwrap_or_default();
        let text = match (root, field, code) {
            (_, _, "invalid_characters") => self.pick(
                "请删除其中的控制字符或文字方向符号(通常是从别处粘贴来的不可见字符)。",
                "Remove the invisible control or text-direction characters (often pasted in from elsewhere).",
            ),
            (_, _, "too_short") if root == "reason" || root == "message" => {
                return if zh {
                    format!("请多写一点(至少 {min} 个字)。")
                } else {
                    format!("Say a little more (at least {min} characters).")
                };
            }
            ("description", _, "too_short") => {
                return if zh {
                    format!("请描述问题(至少 {min} 个字)。")
                } else {
                    format!("Describe the problem (at least {min} characters).")
                };
            }
            (_, _, "too_short") => self.pick("请填写此项。", "Fill this in."),
            (_, _, "too_long") => {
                return if zh {
                    format!("太长了(最多 {max} 个字)。")
                } else {
                    format!("That is too long (at most {max} characters).")
                };
            }
            ("item_ids", _, _) => self.pick("请选择至少一件商品。", "Choose at least one item."),
            ("problem_type", _, "required") => self.pick("请选择问题类型。", "Choose what kind of problem it is."),
            ("problem_type", _, "no_reason_return_unavailable") => self.pick(
                "七天无理由退货已不适用于此订单。",
                "The 7-day no-reason return no longer applies to this order.",
            ),
            ("problem_type", _, _) => {
                self.pick("此订单当前无法申请这类售后。", "This kind of request is not possible for this order now.")
            }
            ("reason", _, _) => self.pick("请选择具体原因。", "Choose what happened."),
            ("resolution", _, _) => self.pick("请选择处理方式。", "Choose what you would like."),
            ("media", _, "evidence_required") => {
                return match (zh, params.kind == Some(MediaKind::Video)) {
                    (true, false) => format!("请至少上传 {min} 张照片作为凭证。"),
                    (true, true) => format!("请至少上传 {min} 段视频作为凭证。"),
                    (false, false) => format!("Add at least {min} photo(s) as evidence."),
                    (false, true) => format!("Add at least {min} video(s) as evidence."),
                };
            }
            ("media", _, "too_many_media") => {
                return match (zh, params.kind) {
                    (true, Some(MediaKind::Video)) => format!("最多上传 {max} 段视频,请移除多余的文件。"),
                    (true, _) => format!("最多上传 {max} 个文件,请移除多余的文件。"),
                    (false, Some(MediaKind::Video)) => format!("At most {max} video(s): remove some."),
                    (false, _) => format!("At most {max} file(s): remove some."),
                };
            }
            ("media", _, _) => {
                self.pick("凭证文件无效或已过期,请重新上传。", "A file is invalid or has expired: add it again.")
            }
            ("contact", "contact.phone", _) => {
                self.pick("手机号格式不正确。", "That phone number does not look right.")
            }
            ("contact", "contact.email", _) => self.pick("邮箱格式不正确。", "That email address does not look right."),
            ("contact", _, _) => self.pick("请填写手机号或邮箱。", "Give a phone number or an email address."),
            ("carrier", _, _) => self.pick("请填写快递公司。", "Give the carrier."),
            ("tracking_number", _, _) => {
                return if zh {
                    format!("运单号应为 {min} 到 {max} 位字母、数字或连字符。")
                } else {
                    format!("Tracking numbers are {min} to {max} letters, digits or dashes.")
                };
            }
            _ => return message.to_owned(),
        };
        text.to_owned()
    }

    /// What a failed call means for the shopper, from the server's status and its
    /// error's code, field and params.
    pub fn api_error(self, status: u16, error: Option<&ApiError>) -> String {
        let Some(error) = error else {
            return match status {
                0 => self.pick("网络连接中断", "the connection is down").to_owned(),
                _ if self.zh() => format!("服务器暂时无法处理(HTTP {status})"),
                _ => format!("the server could not take it (HTTP {status})"),
            };
        };
        let max = error.params.max.map_or_else(|| "?".to_owned(), |n| n.to_string());
        match (error.code.as_str(), error.field.as_deref()) {
            ("order_token_expired" | "order_token_invalid" | "order_token_missing", _) => {
                self.pick("会话已过期,请刷新页面", "your session has expired; reload the page").to_owned()
            }
            ("version_mismatch", _) => self
                .pick(
                    "申请状态已更新,请查看最新情况后再操作",
                    "the request has changed meanwhile; check where it stands now",
                )
                .to_owned(),
            ("escalation_not_allowed_yet", _) => match error.params.at {
                Some(at) if self.zh() => format!("{} 后可申请平台介入", self.date_time(at)),
                Some(at) => format!("you can ask the platform to step in from {}", self.date_time(at)),
                None => self.pick("当前阶段无法申请平台介入", "the platform cannot step in at this stage").to_owned(),
            },
            ("escalation_window_closed", _) => {
                self.pick("申请平台介入的期限已过", "the time to ask the platform to step in has passed").to_owned()
            }
            ("rate_limited", _) => self.pick("请求太频繁,请稍候", "too many requests; wait a moment").to_owned(),
            ("upload_too_large" | "case_media_too_large", _) if self.zh() => format!("文件太大(最多 {max} 字节)"),
            ("upload_too_large" | "case_media_too_large", _) => format!("the file is too large (at most {max} bytes)"),
            (code, Some(field)) => self.field_message(field, code, &error.params, &error.message),
            (code, None) if self.zh() => format!("服务器暂时无法处理({code})"),
            (code, None) => format!("the server could not take it ({code})"),
        }
    }

    pub fn waiting_for_uploads(self, left: usize) -> String {
        if self.zh() {
            format!("正在等待 {left} 个文件上传完成…")
        } else {
            format!("Waiting for {left} file(s) to finish uploading…")
        }
    }

    pub fn submitting(self) -> &'static str {
        self.pick("正在提交…", "Submitting…")
    }

    pub fn submit_retrying(self) -> &'static str {
        self.pick(
            "网络不稳定,正在重试。您填写的内容已保存。",
            "The connection dropped; retrying. Everything you entered is kept.",
        )
    }

    pub fn submit_failed(self, detail: &str) -> String {
        if self.zh() {
            format!("提交失败:{detail}。您填写的内容已保存,请稍后再试。")
        } else {
            format!("Could not submit: {detail}. Everything you entered is kept; please try again.")
        }
    }

    pub fn upload_failed_files(self) -> &'static str {
        self.pick(
            "有文件上传失败,请移除或重新添加后再提交。",
            "A file did not upload: remove it or add it again, then submit.",
        )
    }

    pub fn drafts_unavailable(self) -> &'static str {
        self.pick(
            "此浏览器无法保存草稿:关闭页面前请先提交。",
            "This browser cannot keep drafts: submit before you leave the page.",
        )
    }

    pub fn receipt_number(self, number: &str) -> String {
        if self.zh() {
            format!("申请编号:{number}")
        } else {
            format!("Request number: {number}")
        }
    }

    pub fn receipt_next(self) -> &'static str {
        self.pick(
            "卖家会尽快处理您的申请。您可以随时在“我的售后”中查看进度。",
            "The seller will look at your request. You can follow it under \u{201c}My requests\u{201d} at any time.",
        )
    }

    pub fn answer_by(self, when: &str) -> String {
        if self.zh() {
            format!("卖家需在 {when} 前答复。")
        } else {
            format!("The seller must answer by {when}.")
        }
    }

    pub fn new_request(self) -> &'static str {
        self.pick("再提交一个申请", "Start another request")
    }

    pub fn state_name(self, state: CaseState) -> &'static str {
        match state {
            CaseState::AwaitingSeller => self.pick("等待卖家处理", "Waiting for the seller"),
            CaseState::SellerRefused => self.pick("卖家已拒绝", "Refused by the seller"),
            CaseState::AwaitingReturnShipment => self.pick("待寄回商品", "Send the item back"),
            CaseState::AwaitingSellerReceipt => self.pick("等待卖家收货", "Waiting for the seller to receive it"),
            CaseState::AwaitingResolution => self.pick("等待退款或发货", "Waiting for the refund or shipment"),
            CaseState::Escalated => self.pick("平台介入中", "With the platform"),
            CaseState::OfferPending => self.pick("卖家提出了新方案", "The seller made an offer"),
            CaseState::OfferDeclined => self.pick("您已拒绝卖家方案", "You declined the offer"),
            CaseState::EvidenceRound => self.pick("举证中", "Evidence requested"),
            CaseState::Ruled => self.pick("平台已裁定(可申诉)", "Ruled (open to appeal)"),
            CaseState::Resolved => self.pick("已解决", "Resolved"),
            CaseState::Closed => self.pick("已关闭", "Closed"),
            CaseState::Withdrawn => self.pick("已撤销", "Withdrawn"),
        }
    }

    // The evidence step: pickers, the drop zone, each file's controls and states.

    pub fn evidence_title(self) -> &'static str {
        self.pick("照片和视频", "Photos and videos")
    }

    pub fn evidence_hint(self) -> &'static str {
        self.pick(
            "上传商品问题的照片或视频:可拍照、录像、从相册选择、拖放或粘贴。",
            "Show the problem: take a photo, record a video, choose from your library, drop or paste.",
        )
    }

    pub fn take_photo(self) -> &'static str {
        self.pick("拍照", "Take photo")
    }

    pub fn record_video(self) -> &'static str {
        self.pick("录像", "Record video")
    }

    pub fn choose_files(self) -> &'static str {
        self.pick("从相册选择", "Choose from library")
    }

    pub fn drop_here(self) -> &'static str {
        self.pick("把照片或视频拖到这里", "Drop photos or videos here")
    }

    pub fn pause(self) -> &'static str {
        self.pick("暂停", "Pause")
    }

    pub fn resume(self) -> &'static str {
        self.pick("继续", "Resume")
    }

    pub fn remove(self) -> &'static str {
        self.pick("移除", "Remove")
    }

    pub fn status_checking(self) -> &'static str {
        self.pick("正在检查…", "Checking…")
    }

    pub fn status_preparing(self) -> &'static str {
        self.pick("正在压缩…", "Compressing…")
    }

    pub fn status_paused(self) -> &'static str {
        self.pick("已暂停", "Paused")
    }

    pub fn status_waiting(self) -> &'static str {
        self.pick("网络不稳定,稍后自动重试…", "Connection trouble; retrying shortly…")
    }

    pub fn status_done(self) -> &'static str {
        self.pick("已上传", "Uploaded")
    }

    pub fn error_type(self) -> &'static str {
        self.pick(
            "不支持此文件:请选择 JPEG、PNG、WebP 照片或 MP4、MOV、WebM 视频。",
            "This file can't be used: choose a JPEG, PNG or WebP photo, or an MP4, MOV or WebM video.",
        )
    }

    pub fn error_heic(self) -> &'static str {
        self.pick(
            "暂不支持 HEIC 照片:请重新选择照片(系统会自动转换为 JPEG)。",
            "HEIC photos aren't supported yet: choose the photo again (your phone converts it to JPEG).",
        )
    }

    pub fn error_network(self) -> &'static str {
        self.pick(
            "网络中断,上传未完成。请检查网络后重新添加。",
            "The connection dropped and the upload did not finish. Check your connection and add the file again.",
        )
    }

    pub fn error_server(self) -> &'static str {
        self.pick("服务器拒绝了此文件", "The server refused this file")
    }

    pub fn status_reselect(self) -> &'static str {
        self.pick(
            "页面刷新后需要重新选择此文件,以便从中断处继续上传。",
            "After the reload, choose this file again to carry on where the upload stopped.",
        )
    }

    pub fn choose_again(self) -> &'static str {
        self.pick("重新选择", "Choose again")
    }

    pub fn error_wrong_file(self) -> &'static str {
        self.pick(
            "这不是原来的文件。请选择同一个文件,或移除后重新添加。",
            "That is not the same file. Choose the same one, or remove this and add it anew.",
        )
    }

    pub fn move_earlier(self) -> &'static str {
        self.pick("前移", "Move earlier")
    }

    pub fn move_later(self) -> &'static str {
        self.pick("后移", "Move later")
    }

    pub fn my_requests(self) -> &'static str {
        self.pick("我的售后", "My requests")
    }

    pub fn no_requests(self) -> &'static str {
        self.pick("此订单还没有售后申请。", "No requests for this order yet.")
    }

    /// A part of the widget (the case flow, My requests) could not be fetched.
    pub fn chunk_failed(self) -> &'static str {
        self.pick("这部分暂时无法加载。", "This part could not be loaded just now.")
    }

    pub fn retry(self) -> &'static str {
        self.pick("重试", "Try again")
    }

    pub fn requests_failed(self) -> &'static str {
        self.pick("暂时无法加载,稍后会自动重试。", "Could not load them just now; trying again shortly.")
    }

    pub fn actor(self, actor: aftercare_protocol::case::Actor) -> &'static str {
        use aftercare_protocol::case::Actor;
        match actor {
            Actor::Shopper => self.pick("您", "You"),
            Actor::Seller => self.pick("卖家", "Seller"),
            Actor::Platform => self.pick("平台", "Platform"),
            Actor::System => self.pick("系统", "System"),
        }
    }

    /// A history entry, as people say it.
    pub fn event(self, kind: EventKind) -> &'static str {
        match kind {
            EventKind::File => self.pick("提交了申请", "filed the request"),
            EventKind::Accept => self.pick("同意了申请", "accepted"),
            EventKind::Refuse => self.pick("拒绝了申请", "refused"),
            EventKind::Message => self.pick("留言", "wrote"),
            EventKind::CounterOffer => self.pick("提出了新方案", "made an offer"),
            EventKind::AcceptOffer => self.pick("接受了方案", "accepted the offer"),
            EventKind::DeclineOffer => self.pick("拒绝了方案", "declined the offer"),
            EventKind::OfferLapsed => self.pick("方案已过期", "the offer lapsed"),
            EventKind::RequestEvidence => self.pick("要求举证", "asked for evidence"),
            EventKind::SubmitEvidence => self.pick("提交了证据", "sent evidence"),
            EventKind::EvidenceRoundEnded => self.pick("举证结束", "the evidence round ended"),
            EventKind::Appeal => self.pick("提出申诉", "appealed"),
            EventKind::RulingCarriedOut => self.pick("裁定已生效", "the ruling took effect"),
            EventKind::ReturnShipment => self.pick("寄回了商品", "sent the item back"),
            EventKind::ConfirmReceipt => self.pick("确认收到退货", "received the return"),
            EventKind::PayRefund => self.pick("已退款", "refunded"),
            EventKind::ShipReplacement => self.pick("已发出商品", "shipped the replacement"),
            EventKind::Resolve => self.pick("标记为已解决", "marked it resolved"),
            EventKind::Escalate => self.pick("申请平台介入", "asked the platform to step in"),
            EventKind::RuleForShopper => self.pick("裁定支持买家", "ruled for the shopper"),
            EventKind::RuleForSeller => self.pick("裁定支持卖家", "ruled for the seller"),
            EventKind::Withdraw => self.pick("撤销了申请", "withdrew the request"),
            EventKind::Close => self.pick("关闭了申请(已超时)", "closed it (time ran out)"),
        }
    }

    pub fn return_to(self) -> &'static str {
        self.pick("请将商品寄回:", "Send the item back to:")
    }

    pub fn carrier(self) -> &'static str {
        self.pick("快递公司", "Carrier")
    }

    pub fn tracking_number(self) -> &'static str {
        self.pick("运单号", "Tracking number")
    }

    pub fn send_tracking(self) -> &'static str {
        self.pick("提交运单号", "Send tracking number")
    }

    pub fn request_intervention(self) -> &'static str {
        self.pick("申请平台介入", "Request platform intervention")
    }

    pub fn intervention_reason(self) -> &'static str {
        self.pick("请说明需要平台介入的原因", "Why should the platform step in?")
    }

    pub fn send_intervention(self) -> &'static str {
        self.pick("提交介入申请", "Send to the platform")
    }

    pub fn withdraw(self) -> &'static str {
        self.pick("撤销申请", "Withdraw request")
    }

    pub fn withdraw_confirm(self) -> &'static str {
        self.pick("确定撤销?撤销后卖家将不再处理此申请。", "Withdraw it? The seller will stop working on it.")
    }

    pub fn yes_withdraw(self) -> &'static str {
        self.pick("确定撤销", "Yes, withdraw")
    }

    pub fn refunded(self, amount: &aftercare_protocol::money::Money) -> String {
        if self.zh() {
            format!("已退款 {amount}")
        } else {
            format!("Refunded {amount}")
        }
    }

    pub fn replacement_sent(self, carrier: &str, number: &str) -> String {
        if self.zh() {
            format!("新商品已发出:{carrier} {number}")
        } else {
            format!("Replacement sent: {carrier} {number}")
        }
    }

    pub fn return_sent(self, carrier: &str, number: &str) -> String {
        if self.zh() {
            format!("您寄回的包裹:{carrier} {number}")
        } else {
            format!("Your return: {carrier} {number}")
        }
    }

    /// The deadline that applies, as the shopper needs to hear it: what it is for, by
    /// the case's `consequence`, and whether it waits for them.
    pub fn deadline_line(self, deadline: &aftercare_protocol::case::Deadline, when: &str) -> String {
        use aftercare_protocol::case::{Actor, Consequence};
        let you = deadline.waiting_for.contains(&Actor::Shopper);
        match (self.zh(), deadline.consequence, you) {
            (true, Consequence::OfferLapses, _) => format!("请在 {when} 前答复卖家的方案,逾期视为拒绝。"),
            (false, Consequence::OfferLapses, _) => format!("Answer the offer by {when}; after that it lapses."),
            (true, Consequence::EvidenceRoundEnds, true) => format!("请在 {when} 前向平台提交证据。"),
            (false, Consequence::EvidenceRoundEnds, true) => format!("Send the platform your evidence by {when}."),
            (true, Consequence::EvidenceRoundEnds, false) => format!("举证截止:{when}。"),
            (false, Consequence::EvidenceRoundEnds, false) => format!("The evidence round ends {when}."),
            (true, Consequence::RulingCarriedOut, true) => format!("如不同意裁定,可在 {when} 前申诉。"),
            (false, Consequence::RulingCarriedOut, true) => format!("You may appeal the ruling until {when}."),
            (true, Consequence::RulingCarriedOut, false) => format!("裁定将于 {when} 生效。"),
            (false, Consequence::RulingCarriedOut, false) => format!("The ruling takes effect {when}."),
            (true, _, true) => format!("请在 {when} 前完成。"),
            (true, _, false) => format!("卖家需在 {when} 前处理。"),
            (false, _, true) => format!("Please do this by {when}."),
            (false, _, false) => format!("The seller must act by {when}."),
        }
    }

    pub fn action_failed(self, detail: &str) -> String {
        if self.zh() {
            format!("操作未完成:{detail}")
        } else {
            format!("That did not go through: {detail}")
        }
    }

    /// What the seller offers, or a ruling awards: "退货退款" / "Refund only: 80.00 CNY".
    pub fn settlement(self, resolution: Resolution, amount: Option<&aftercare_protocol::money::Money>) -> String {
        match amount {
            Some(amount) => format!("{}{} {amount}", self.resolution(resolution), self.pick(":", ": ")),
            None => self.resolution(resolution).to_owned(),
        }
    }

    pub fn offer_line(self, offer: &str) -> String {
        if self.zh() {
            format!("卖家提议:{offer}")
        } else {
            format!("The seller offers: {offer}")
        }
    }

    pub fn accept_offer(self) -> &'static str {
        self.pick("接受方案", "Accept the offer")
    }

    pub fn decline_offer(self) -> &'static str {
        self.pick("拒绝方案", "Decline")
    }

    /// A refusal's reason, in the merchant's words for this language.
    pub fn refusal(self, reason: &aftercare_protocol::case::RefusalReason) -> String {
        let text = if self.zh() { &reason.zh } else { &reason.en };
        format!("{}{text}", self.pick("拒绝原因:", "Reason: "))
    }

    /// The labels of a form the shopper writes in: (open it, the text, send).
    pub fn form_labels(self, kind: EventKind) -> [&'static str; 3] {
        match kind {
            EventKind::Escalate => [self.request_intervention(), self.intervention_reason(), self.send_intervention()],
            EventKind::SubmitEvidence => [
                self.pick("补充证据", "Send evidence"),
                self.pick("平台请您提供证据和说明", "The platform asks for your evidence and statement"),
                self.pick("提交证据", "Send evidence"),
            ],
            EventKind::Appeal => [
                self.pick("申诉", "Appeal"),
                self.pick("请说明申诉理由", "Why should the platform look again?"),
                self.pick("提交申诉", "Send the appeal"),
            ],
            _ => {
                [self.pick("留言", "Write"), self.pick("给卖家留言", "Write to the seller"), self.pick("发送", "Send")]
            }
        }
    }

    pub fn media_kind(self, kind: MediaKind) -> &'static str {
        match kind {
            MediaKind::Photo => self.pick("照片", "photo"),
            MediaKind::Video => self.pick("视频", "video"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Locale;

    const ZH: Tr = Tr(Locale::ZhCn);
    const EN: Tr = Tr(Locale::En);

    /// A deadline line says what the deadline is for, and whom it waits for.
    #[test]
    fn deadlines_say_what_they_are_for() {
        use aftercare_protocol::case::{Actor, Consequence, Deadline};
        let due = |waiting_for: Vec<Actor>, consequence| Deadline {
            waiting_for,
            due_at: aftercare_protocol::time::Timestamp(0),
            consequence,
        };
        let line = |tr: Tr, d: &Deadline| tr.deadline_line(d, "T");
        let appeal = due(vec![Actor::Shopper], Consequence::RulingCarriedOut);
        assert_eq!(line(EN, &appeal), "You may appeal the ruling until T.");
        assert_eq!(line(ZH, &appeal), "如不同意裁定,可在 T 前申诉。");
        let theirs = due(vec![Actor::Seller], Consequence::RulingCarriedOut);
        assert_eq!(line(EN, &theirs), "The ruling takes effect T.", "the seller may appeal, not the shopper");
        let round = due(vec![Actor::Shopper, Actor::Seller], Consequence::EvidenceRoundEnds);
        assert_eq!(line(EN, &round), "Send the platform your evidence by T.");
        assert_eq!(line(EN, &due(vec![Actor::Seller], Consequence::EvidenceRoundEnds)), "The evidence round ends T.");
        assert_eq!(
            line(ZH, &due(vec![Actor::Shopper], Consequence::OfferLapses)),
            "请在 T 前答复卖家的方案,逾期视为拒绝。"
        );
        assert_eq!(line(EN, &due(vec![Actor::Seller], Consequence::ShopperMayEscalate)), "The seller must act by T.");
        assert_eq!(line(EN, &due(vec![Actor::Shopper], Consequence::AutoClose)), "Please do this by T.");
    }

    /// An error whose English message holds no number: the words come from the code
    /// and the params alone.
    fn error(field: &str, code: &'static str, params: ErrorParams) -> FieldError {
        FieldError { params, ..FieldError::new(field, code, "(developer text)") }
    }

    fn limits(min: u64, max: u64) -> ErrorParams {
        ErrorParams { min: Some(min), max: Some(max), ..ErrorParams::default() }
    }

    #[test]
    fn rule_errors_read_in_both_languages() {
        let video = ErrorParams { kind: Some(MediaKind::Video), ..limits(1, 2) };
        let table = [
            (
                error("description", "too_short", limits(10, 1000)),
                "请描述问题(至少 10 个字)。",
                "Describe the problem (at least 10 characters).",
            ),
            (
                error("reason", "too_short", limits(5, 500)),
                "请多写一点(至少 5 个字)。",
                "Say a little more (at least 5 characters).",
            ),
            (
                error("contact.name", "too_long", limits(1, 50)),
                "太长了(最多 50 个字)。",
                "That is too long (at most 50 characters).",
            ),
            (
                error("media", "evidence_required", ErrorParams { kind: Some(MediaKind::Photo), ..limits(1, 9) }),
                "请至少上传 1 张照片作为凭证。",
                "Add at least 1 photo(s) as evidence.",
            ),
            (
                error("media", "evidence_required", video.clone()),
                "请至少上传 1 段视频作为凭证。",
                "Add at least 1 video(s) as evidence.",
            ),
            (
                error("media", "too_many_media", video),
                "最多上传 2 段视频,请移除多余的文件。",
                "At most 2 video(s): remove some.",
            ),
            (
                error("contact.phone", "invalid", ErrorParams::default()),
                "手机号格式不正确。",
                "That phone number does not look right.",
            ),
            (
                error("contact", "required", ErrorParams::default()),
                "请填写手机号或邮箱。",
                "Give a phone number or an email address.",
            ),
            (
                error("item_ids", "required", ErrorParams::default()),
                "请选择至少一件商品。",
                "Choose at least one item.",
            ),
            (
                error("problem_type", "no_reason_return_unavailable", ErrorParams::default()),
                "七天无理由退货已不适用于此订单。",
                "The 7-day no-reason return no longer applies to this order.",
            ),
            (
                error("tracking_number", "invalid", limits(1, 40)),
                "运单号应为 1 到 40 位字母、数字或连字符。",
                "Tracking numbers are 1 to 40 letters, digits or dashes.",
            ),
        ];
        for (error, zh, en) in table {
            assert_eq!(ZH.field_error(&error), zh);
            assert_eq!(EN.field_error(&error), en);
        }
        assert_eq!(
            EN.field_error(&FieldError::new("order_id", "order_mismatch", "is not the order")),
            "is not the order",
            "unknown: the rule's words"
        );
    }

    /// What the shared validators say reads right, numbers included, whatever the
    /// merchant's limits are.
    #[test]
    fn the_validators_words_come_through() {
        let rules = aftercare_protocol::rules::Rules::default();
        let short = aftercare_protocol::validate::message("message", " ", &rules);
        assert_eq!(EN.field_error(&short[0]), "Say a little more (at least 1 characters).");
        let long = aftercare_protocol::validate::message("message", &"字".repeat(501), &rules);
        assert_eq!(ZH.field_error(&long[0]), "太长了(最多 500 个字)。");
    }

    fn api(code: &str, field: Option<&str>, params: ErrorParams) -> ApiError {
        ApiError {
            code: code.into(),
            message: "(developer text)".into(),
            field: field.map(Into::into),
            params,
            case: None,
        }
    }

    #[test]
    fn server_answers_read_in_both_languages() {
        assert_eq!(EN.api_error(0, None), "the connection is down");
        assert_eq!(
            ZH.api_error(401, Some(&api("order_token_expired", None, ErrorParams::default()))),
            "会话已过期,请刷新页面"
        );
        assert_eq!(
            ZH.api_error(422, Some(&api("too_short", Some("description"), limits(10, 1000)))),
            "请描述问题(至少 10 个字)。"
        );
        assert_eq!(
            EN.api_error(409, Some(&api("transition_not_allowed", None, ErrorParams::default()))),
            "the server could not take it (transition_not_allowed)"
        );
        assert_eq!(
            EN.api_error(
                413,
                Some(&api("upload_too_large", None, ErrorParams { max: Some(20), ..ErrorParams::default() }))
            ),
            "the file is too large (at most 20 bytes)"
        );
        assert_eq!(EN.api_error(502, None), "the server could not take it (HTTP 502)");
    }

    #[test]
    fn every_choice_has_words_in_both_languages() {
        for tr in [ZH, EN] {
            for kind in ProblemType::ALL {
                assert!(!tr.problem_type(*kind).is_empty() && !tr.guidance(*kind).is_empty());
            }
            for reason in Reason::ALL {
                assert!(!tr.reason(*reason).is_empty());
            }
            for resolution in Resolution::ALL {
                assert!(!tr.resolution(*resolution).is_empty() && !tr.resolution_next(*resolution).is_empty());
            }
            for state in CaseState::ALL {
                assert!(!tr.state_name(*state).is_empty());
            }
        }
        assert_ne!(ZH.guidance(ProblemType::Quality), EN.guidance(ProblemType::Quality));
        assert!(ZH.guidance(ProblemType::Logistics)[0].contains("物流信息"), "the source document's words");
    }
}
