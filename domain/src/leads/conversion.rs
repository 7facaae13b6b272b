//! Converting a lead into a customer (线索转客户): which name the customer
//! gets, who owns it, and what happens when the company is already a
//! customer (撞单: reuse your own, claim it from the pool, or refuse).

/// How a conversion got its customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    ClaimedFromPool,
    Existing,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::ClaimedFromPool => "claimed_from_pool",
            Outcome::Existing => "existing",
        }
    }

    /// The lead's person becomes the primary contact of a new customer only.
    pub fn contact_is_primary(self) -> bool {
        self == Outcome::Created
    }
}

/// The customer's name: the one asked for, else the lead's company, else
/// its person, trimmed; `None` when that is empty.
pub fn customer_name(requested: Option<&str>, company: Option<&str>, person: Option<&str>) -> Option<String> {
    requested
        .or(company)
        .or(person)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// Who owns the customer: a rep converts for themselves; a manager or an
/// admin for the lead's owner (themselves when it has none).
pub fn owner(lead_owner: Option<i64>, caller: i64, caller_is_rep: bool) -> i64 {
    lead_owner.filter(|_| !caller_is_rep).unwrap_or(caller)
}

/// What a conversion does with the live customer that holds the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// The new owner's own customer: the lead joins it.
    Reuse,
    /// A pool customer: claimed by the pool's rules.
    Claim,
    /// Another rep's customer: refused, naming the owner.
    Refuse,
}

pub fn on_existing(existing_owner: Option<i64>, owner: i64) -> OnExisting {
    match existing_owner {
        Some(o) if o == owner => OnExisting::Reuse,
        None => OnExisting::Claim,
        Some(_) => OnExisting::Refuse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_first_given_then_trimmed() {
        assert_eq!(
            customer_name(Some(" 甲公司 "), Some("乙"), Some("张三")).as_deref(),
            Some("甲公司")
        );
        assert_eq!(
            customer_name(None, Some("乙公司"), Some("张三")).as_deref(),
            Some("乙公司")
        );
        assert_eq!(customer_name(None, None, Some("张三")).as_deref(), Some("张三"));
        assert_eq!(customer_name(None, None, None), None);
        // a blank name asked for is not silently replaced by the company
        assert_eq!(customer_name(Some("  "), Some("乙公司"), None), None);
        assert_eq!(customer_name(None, Some(""), Some("张三")), None);
    }

    #[test]
    fn a_rep_converts_for_themselves_a_manager_for_the_leads_owner() {
        assert_eq!(owner(Some(7), 3, true), 3);
        assert_eq!(owner(Some(7), 3, false), 7);
        assert_eq!(owner(None, 3, false), 3);
        assert_eq!(owner(None, 3, true), 3);
    }

    #[test]
    fn an_existing_customer_is_reused_claimed_or_refused() {
        assert_eq!(on_existing(Some(5), 5), OnExisting::Reuse);
        assert_eq!(on_existing(None, 5), OnExisting::Claim);
        assert_eq!(on_existing(Some(6), 5), OnExisting::Refuse);
    }

    #[test]
    fn outcomes_are_named_and_only_a_new_customer_gets_a_primary_contact() {
        let all = [Outcome::Created, Outcome::ClaimedFromPool, Outcome::Existing];
        let names: Vec<_> = all.iter().map(|o| o.as_str()).collect();
        assert_eq!(names, ["created", "claimed_from_pool", "existing"]);
        let primary: Vec<_> = all.iter().map(|o| o.contact_is_primary()).collect();
        assert_eq!(primary, [true, false, false]);
    }
}
