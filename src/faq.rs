//! FAQ search as you type: every word of the query must appear in the question or the
//! answer (in the shopper's language); questions that match come first. Case folding is
//! ASCII only: Chinese has no case, and Unicode case tables would cost the wasm ~20 KB.

use crate::config::FaqEntry;
use crate::locale::Locale;

/// Indexes into `entries` that match `query`, best first. An empty query matches all.
pub fn search(entries: &[FaqEntry], locale: Locale, query: &str) -> Vec<usize> {
    let terms: Vec<String> = query
        .split(|c: char| c.is_whitespace() || is_punctuation(c))
        .filter(|term| !term.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let contains_all = |text: &str| {
        let text = text.to_ascii_lowercase();
        terms.iter().all(|term| text.contains(term.as_str()))
    };
    let mut in_question = Vec::new();
    let mut in_answer = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let question = entry.q.get(locale);
        if contains_all(question) {
            in_question.push(index);
        } else if contains_all(&format!("{question}\n{}", entry.a.get(locale))) {
            in_answer.push(index);
        }
    }
    in_question.extend(in_answer);
    in_question
}

/// ASCII punctuation and the CJK punctuation shoppers type (,。?!、:;“”).
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || "，。？！、：；“”‘’（）《》".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WidgetConfig;

    #[track_caller]
    fn check(locale: Locale, query: &str, expected: &[usize]) {
        let faq = WidgetConfig::defaults().faq;
        assert_eq!(search(&faq, locale, query), expected, "{query:?}");
    }

    #[test]
    fn searches_the_default_faq() {
        check(Locale::En, "", &[0, 1, 2, 3, 4, 5, 6]);
        check(Locale::En, "   ", &[0, 1, 2, 3, 4, 5, 6]);
        check(Locale::En, "email", &[6, 0]);
        check(Locale::En, "EMAIL", &[6, 0]);
        check(Locale::En, "hotline open", &[2]);
        check(Locale::En, "refund", &[4]);
        check(Locale::En, "arbitrate", &[3, 5]);
        check(Locale::En, "xylophone", &[]);
        check(Locale::ZhCn, "电话", &[2, 0]);
        check(Locale::ZhCn, "物流", &[4]);
        check(Locale::ZhCn, "介入", &[3, 5]);
        check(Locale::ZhCn, "邮件？", &[6, 0]);
        check(Locale::ZhCn, "退货 卖家", &[3, 5]);
    }
}
