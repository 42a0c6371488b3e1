//! Every user-visible string, in each language the widget speaks.
//!
//! Components never hold text: they ask [`Tr`] for it. The first view's fixed strings
//! are fields of [`Strings`] (so a missing translation does not compile); strings with
//! values in them are methods on [`Tr`]. The case flow's and the evidence step's
//! strings are methods in `case.rs` that pick one of two (equally impossible to leave
//! untranslated): code, unlike a `Strings` table, goes to the chunk that uses it.

mod case;

use crate::config::ReplyDays;
use crate::hours::{Availability, Moment, Schedule, Weekday};
use crate::locale::Locale;

pub struct Strings {
    pub launcher: &'static str,
    pub dialog_title: &'static str,
    pub close: &'static str,
    pub channels_heading: &'static str,
    pub chat_title: &'static str,
    pub chat_start: &'static str,
    pub chat_unanswered: &'static str,
    pub phone_title: &'static str,
    pub call: &'static str,
    pub copy_number: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub email_title: &'static str,
    pub write_email: &'static str,
    pub weibo_title: &'static str,
    pub weibo_hint: &'static str,
    pub wechat_title: &'static str,
    pub wechat_hint: &'static str,
    pub faq_heading: &'static str,
    pub faq_search: &'static str,
    pub faq_none: &'static str,
    pub case_title: &'static str,
    pub case_coming: &'static str,
    pub always_open: &'static str,
    pub daily: &'static str,
    pub today: &'static str,
    pub tomorrow: &'static str,
    weekdays: [&'static str; 7],
    email_subject: &'static str,
    email_checklist: &'static str,
}

const ZH_CN: Strings = Strings {
    launcher: "联系客服",
    dialog_title: "联系客服",
    close: "关闭",
    channels_heading: "联系方式",
    chat_title: "在线客服",
    chat_start: "开始咨询",
    chat_unanswered: "在线客服暂时无法从这里打开,请在商家的帮助中心进入在线客服,或选择下方其他方式。",
    phone_title: "电话客服",
    call: "拨打",
    copy_number: "复制号码",
    copied: "号码已复制",
    copy_failed: "无法复制,请手动记下号码",
    email_title: "邮件客服",
    write_email: "写邮件",
    weibo_title: "微博",
    weibo_hint: "关注官方账号后私信或留言",
    wechat_title: "微信公众号",
    wechat_hint: "扫码或搜索关注后发送消息",
    faq_heading: "常见问题",
    faq_search: "搜索常见问题",
    faq_none: "没有找到相关问题",
    case_title: "申请售后",
    case_coming: "商品有质量问题、物流问题、与描述不符,或对售后服务不满意?在这里提交申请,卖家会尽快处理。",
    always_open: "7×24 小时在线",
    daily: "每天",
    today: "今天",
    tomorrow: "明天",
    weekdays: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    email_subject: "售后问题",
    email_checklist: "请描述遇到的问题:\n\n\n请附上:\n- 订单信息(订单号、商品)\n- 问题截图或照片\n",
};

const EN: Strings = Strings {
    launcher: "Contact support",
    dialog_title: "Customer support",
    close: "Close",
    channels_heading: "Ways to reach us",
    chat_title: "Online chat",
    chat_start: "Start chat",
    chat_unanswered: "Chat can't be opened from here right now. Please use the shop's help centre, or another way below.",
    phone_title: "Phone",
    call: "Call",
    copy_number: "Copy number",
    copied: "Number copied",
    copy_failed: "Could not copy; please note the number down",
    email_title: "Email",
    write_email: "Write an email",
    weibo_title: "Weibo",
    weibo_hint: "Follow the official account, then send a private message",
    wechat_title: "WeChat official account",
    wechat_hint: "Scan or search to follow, then send a message",
    faq_heading: "Frequently asked questions",
    faq_search: "Search the FAQ",
    faq_none: "No matching questions",
    case_title: "After-sale case",
    case_coming: "A faulty item, a delivery problem, not as described, or unhappy with the service? Tell the seller here.",
    always_open: "Available 24/7",
    daily: "Daily",
    today: "today",
    tomorrow: "tomorrow",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    email_subject: "After-sale problem",
    email_checklist: "Please describe the problem:\n\n\nPlease attach:\n- your order details (order number, items)\n- screenshots or photos of the problem\n",
};

/// The translations for one locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr(pub Locale);

impl std::ops::Deref for Tr {
    type Target = Strings;

    fn deref(&self) -> &Strings {
        match self.0 {
            Locale::ZhCn => &ZH_CN,
            Locale::En => &EN,
        }
    }
}

impl Tr {
    /// The launcher's accessible name with unread updates (as the loader words it).
    pub fn launcher_unread(self, n: u64) -> String {
        if self.zh() {
            format!("{},{n} 条新消息", self.launcher)
        } else {
            format!("{}, {n} new updates", self.launcher)
        }
    }

    pub(crate) fn zh(self) -> bool {
        self.0 == Locale::ZhCn
    }

    pub fn order_number(self, id: &str) -> String {
        if self.zh() {
            format!("订单号 {id}")
        } else {
            format!("Order {id}")
        }
    }

    pub fn weekday(self, day: Weekday) -> &'static str {
        self.weekdays[day.index()]
    }

    /// "Daily 09:00–21:00", "Mon–Fri 09:00–18:00; Sat 10:00–16:00".
    pub fn schedule_summary(self, schedule: &Schedule) -> String {
        if schedule.always {
            return self.always_open.to_owned();
        }
        let parts: Vec<String> = schedule
            .slots
            .iter()
            .map(|slot| format!("{} {}–{}", self.days(&slot.days), slot.open, slot.close))
            .collect();
        parts.join(if self.zh() { ";" } else { "; " })
    }

    /// Day lists with runs collapsed: "Mon–Fri, Sun"; all seven days are "Daily".
    fn days(self, days: &[Weekday]) -> String {
        let mut present = [false; 7];
        for day in days {
            present[day.index()] = true;
        }
        if present.iter().all(|p| *p) {
            return self.daily.to_owned();
        }
        let mut runs = Vec::new();
        let mut index = 0;
        while index < 7 {
            if !present[index] {
                index += 1;
                continue;
            }
            let start = index;
            while index + 1 < 7 && present[index + 1] {
                index += 1;
            }
            let (first, last) = (Weekday::from_index(start), Weekday::from_index(index));
            runs.push(match index - start {
                0 => self.weekday(first).to_owned(),
                1 => format!("{}{}{}", self.weekday(first), if self.zh() { "、" } else { ", " }, self.weekday(last)),
                _ => format!("{}–{}", self.weekday(first), self.weekday(last)),
            });
            index += 1;
        }
        runs.join(if self.zh() { "、" } else { ", " })
    }

    /// "today 21:00", "tomorrow 09:00", "Mon 09:00".
    fn when(self, moment: &Moment) -> String {
        let day = match moment.days_ahead {
            0 => self.today,
            1 => self.tomorrow,
            _ => self.weekday(moment.weekday),
        };
        if self.zh() {
            format!("{day} {}", moment.at)
        } else {
            format!("{day} at {}", moment.at)
        }
    }

    /// "2 h 15 min", "45 min".
    fn duration(self, minutes: u32) -> String {
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, self.zh()) {
            (0, true) => format!("{minutes} 分钟"),
            (0, false) => format!("{minutes} min"),
            (_, true) if minutes == 0 => format!("{hours} 小时"),
            (_, false) if minutes == 0 => format!("{hours} h"),
            (_, true) => format!("{hours} 小时 {minutes} 分钟"),
            (_, false) => format!("{hours} h {minutes} min"),
        }
    }

    /// The open-now line: "Open now · until 21:00", "Closed · opens tomorrow at 09:00
    /// (in 11 h)". `zone` names the schedule's time zone (e.g. "China Standard Time").
    pub fn availability(self, availability: &Availability, zone: &str) -> String {
        match (availability, self.zh()) {
            (Availability::AlwaysOpen, _) => self.always_open.to_owned(),
            (Availability::Open { closes }, true) => format!("服务中 · {} 结束({zone})", self.when(closes)),
            (Availability::Open { closes }, false) => format!("Open now · until {} ({zone})", self.when(closes)),
            (Availability::Closed { opens: None }, true) => "暂停服务".to_owned(),
            (Availability::Closed { opens: None }, false) => "Closed".to_owned(),
            (Availability::Closed { opens: Some(opens) }, true) => {
                format!("已休息 · {} 开始服务({zone},{}后)", self.when(opens), self.duration(opens.minutes_until))
            }
            (Availability::Closed { opens: Some(opens) }, false) => {
                format!("Closed · opens {} ({zone}, in {})", self.when(opens), self.duration(opens.minutes_until))
            }
        }
    }

    pub fn menu_hint(self, key: &str) -> String {
        if self.zh() {
            format!("接通后按 {key} 键进入售后服务")
        } else {
            format!("After the greeting, press {key} for after-sale help")
        }
    }

    pub fn reply_time(self, days: ReplyDays) -> String {
        let range = if days.min == days.max { days.min.to_string() } else { format!("{}–{}", days.min, days.max) };
        match (self.zh(), days.max) {
            (true, _) => format!("通常 {range} 个工作日内回复"),
            (false, 1) => "Usually replies within 1 working day".to_owned(),
            (false, _) => format!("Usually replies within {range} working days"),
        }
    }

    /// The prefilled email: subject with the order number, body with the checklist.
    pub fn email_draft(self, order_id: Option<&str>) -> (String, String) {
        match order_id {
            Some(id) => (
                format!("{} – {}", self.email_subject, self.order_number(id)),
                format!("{}\n\n{}", self.order_number(id), self.email_checklist),
            ),
            None => (self.email_subject.to_owned(), self.email_checklist.to_owned()),
        }
    }

    pub fn qr_label(self, name: &str) -> String {
        if self.zh() {
            format!("{name} 的二维码")
        } else {
            format!("QR code for {name}")
        }
    }

    /// "1.2 MB", "340 KB". In integer tenths, rounded half up: no float formatting
    /// (which would bring its own kilobytes into the wasm).
    pub fn bytes(self, bytes: u64) -> String {
        const MB: u64 = 1024 * 1024;
        if bytes >= MB {
            let tenths = bytes.saturating_mul(10).saturating_add(MB / 2) / MB;
            format!("{}.{} MB", tenths / 10, tenths % 10)
        } else {
            format!("{} KB", bytes.div_ceil(1024))
        }
    }

    pub fn uploading(self, percent: u32, speed: &str) -> String {
        if self.zh() {
            format!("正在上传 {percent}%({speed}/秒)")
        } else {
            format!("Uploading {percent}% ({speed}/s)")
        }
    }

    /// Upload progress as a screen reader announces it (no speed).
    pub fn uploading_spoken(self, percent: u32) -> String {
        if self.zh() {
            format!("正在上传 {percent}%")
        } else {
            format!("Uploading {percent}%")
        }
    }

    pub fn too_large(self, max: &str) -> String {
        if self.zh() {
            format!("文件太大:每个文件最大 {max}。")
        } else {
            format!("Too large: each file may be up to {max}.")
        }
    }

    pub fn too_many(self, photos: bool, max: usize) -> String {
        match (self.zh(), photos) {
            (true, true) => format!("最多 {max} 张照片。"),
            (true, false) => format!("最多 {max} 段视频。"),
            (false, true) => format!("At most {max} photos."),
            (false, false) => format!("At most {max} videos."),
        }
    }

    pub fn too_long(self, max_seconds: u32) -> String {
        let time = Tr::clock_duration(f64::from(max_seconds));
        if self.zh() {
            format!("视频太长:每段视频最长 {time}。请剪短后重新添加。")
        } else {
            format!("Too long: each video may be up to {time}. Trim it and add it again.")
        }
    }

    /// "0:42", "12:05" (minutes and seconds).
    pub fn clock_duration(seconds: f64) -> String {
        let total = seconds.round() as u64;
        format!("{}:{:02}", total / 60, total % 60)
    }

    pub fn saved(self, before: &str, after: &str) -> String {
        if self.zh() {
            format!("已压缩:{before} → {after}")
        } else {
            format!("Compressed: {before} → {after}")
        }
    }

    pub fn faq_count(self, shown: usize) -> String {
        if self.zh() {
            format!("找到 {shown} 个问题")
        } else {
            format!("{shown} questions found")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_in_tenths_of_a_megabyte() {
        let tr = Tr(Locale::En);
        assert_eq!(tr.bytes(1536), "2 KB");
        assert_eq!(tr.bytes(1024 * 1024), "1.0 MB");
        assert_eq!(tr.bytes(1024 * 1024 * 3 / 2), "1.5 MB");
        assert_eq!(tr.bytes(20 * 1024 * 1024 - 1), "20.0 MB");
        assert!(tr.bytes(u64::MAX).ends_with(" MB"), "no overflow");
    }

    use super::*;
    use crate::config::WidgetConfig;
    use crate::hours::{LocalTime, TimeOfDay};

    const ZH: Tr = Tr(Locale::ZhCn);
    const EN_: Tr = Tr(Locale::En);

    fn schedule(json: &str) -> Schedule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn schedule_summaries() {
        let seed = WidgetConfig::defaults().channels.phone.unwrap().schedule;
        assert_eq!(EN_.schedule_summary(&seed), "Daily 09:00–21:00");
        assert_eq!(ZH.schedule_summary(&seed), "每天 09:00–21:00");
        let week = schedule(
            r#"{"slots":[{"days":["mon","tue","wed","thu","fri"],"open":"09:00","close":"18:00"},
                {"days":["sat","sun"],"open":"10:00","close":"16:00"},{"days":["wed"],"open":"20:00","close":"22:00"}]}"#,
        );
        assert_eq!(EN_.schedule_summary(&week), "Mon–Fri 09:00–18:00; Sat, Sun 10:00–16:00; Wed 20:00–22:00");
        assert_eq!(ZH.schedule_summary(&week), "周一–周五 09:00–18:00;周六、周日 10:00–16:00;周三 20:00–22:00");
        assert_eq!(EN_.schedule_summary(&Schedule::default()), "Available 24/7");
    }

    #[test]
    fn availability_lines() {
        let seed = WidgetConfig::defaults().channels.phone.unwrap().schedule;
        let at = |weekday, hour| {
            seed.availability(LocalTime { weekday, minute: TimeOfDay::from_hm(hour, 0).unwrap().minutes() })
        };
        let zone = "CST";
        assert_eq!(EN_.availability(&at(Weekday::Mon, 10), zone), "Open now · until today at 21:00 (CST)");
        assert_eq!(EN_.availability(&at(Weekday::Mon, 22), zone), "Closed · opens tomorrow at 09:00 (CST, in 11 h)");
        assert_eq!(EN_.availability(&at(Weekday::Mon, 7), zone), "Closed · opens today at 09:00 (CST, in 2 h)");
        assert_eq!(ZH.availability(&at(Weekday::Mon, 22), zone), "已休息 · 明天 09:00 开始服务(CST,11 小时后)");
        let weekdays = schedule(r#"{"slots":[{"days":["mon"],"open":"09:30","close":"18:00"}]}"#);
        let friday = weekdays.availability(LocalTime { weekday: Weekday::Fri, minute: 0 });
        assert_eq!(EN_.availability(&friday, zone), "Closed · opens Mon at 09:30 (CST, in 81 h 30 min)");
    }

    #[test]
    fn durations_and_video_limits() {
        for (seconds, text) in [(0.0, "0:00"), (4.4, "0:04"), (59.6, "1:00"), (300.0, "5:00"), (754.0, "12:34")] {
            assert_eq!(Tr::clock_duration(seconds), text);
        }
        assert_eq!(EN_.too_long(60), "Too long: each video may be up to 1:00. Trim it and add it again.");
        assert_eq!(ZH.too_long(300), "视频太长:每段视频最长 5:00。请剪短后重新添加。");
    }

    #[test]
    fn email_drafts_carry_the_order_number() {
        let (subject, body) = ZH.email_draft(Some("20261128-0042"));
        assert_eq!(subject, "售后问题 – 订单号 20261128-0042");
        assert!(body.starts_with("订单号 20261128-0042\n"));
        assert!(body.contains("截图"));
        let (subject, body) = EN_.email_draft(None);
        assert_eq!(subject, "After-sale problem");
        assert!(body.contains("screenshots"));
    }

    #[test]
    fn reply_times() {
        assert_eq!(EN_.reply_time(ReplyDays { min: 1, max: 2 }), "Usually replies within 1–2 working days");
        assert_eq!(EN_.reply_time(ReplyDays { min: 1, max: 1 }), "Usually replies within 1 working day");
        assert_eq!(ZH.reply_time(ReplyDays { min: 1, max: 2 }), "通常 1–2 个工作日内回复");
    }
}
