//! What an incoming lead duplicates: a customer comes before an open lead,
//! so a lead about a company someone already works goes to that customer's
//! owner (撞单), and only then to the owner of an earlier open lead.

/// A record an incoming lead duplicates, and who works it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
    Customer { id: i64, owner_id: Option<i64> },
    Lead { id: i64, owner_id: Option<i64> },
}

impl Duplicate {
    pub fn owner_id(self) -> Option<i64> {
        match self {
            Duplicate::Customer { owner_id, .. } | Duplicate::Lead { owner_id, .. } => owner_id,
        }
    }
}

/// A record found by one key: its id and owner.
pub type Hit = Option<(i64, Option<i64>)>;

/// The records an incoming lead's keys found, key by key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hits {
    pub customer_name: Hit,
    pub customer_phone: Hit,
    pub customer_email: Hit,
    pub lead_company: Hit,
    pub lead_phone: Hit,
    pub lead_email: Hit,
}

/// The record the lead duplicates: any customer before any open lead; within
/// each, the company name decides first, then the phone, then the e-mail.
pub fn duplicate_of(h: &Hits) -> Option<Duplicate> {
    h.customer_name
        .or(h.customer_phone)
        .or(h.customer_email)
        .map(|(id, owner_id)| Duplicate::Customer { id, owner_id })
        .or_else(|| {
            h.lead_company
                .or(h.lead_phone)
                .or(h.lead_email)
                .map(|(id, owner_id)| Duplicate::Lead { id, owner_id })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_customer_comes_before_a_lead_and_the_name_before_the_phone() {
        let hits = Hits {
            customer_email: Some((7, Some(3))),
            lead_company: Some((9, Some(4))),
            ..Hits::default()
        };
        assert_eq!(
            duplicate_of(&hits),
            Some(Duplicate::Customer {
                id: 7,
                owner_id: Some(3)
            })
        );
        let leads_only = Hits {
            lead_phone: Some((5, None)),
            lead_company: Some((6, Some(2))),
            ..Hits::default()
        };
        assert_eq!(
            duplicate_of(&leads_only),
            Some(Duplicate::Lead {
                id: 6,
                owner_id: Some(2)
            })
        );
        let by_phone = Hits {
            customer_phone: Some((1, None)),
            customer_email: Some((2, Some(8))),
            ..Hits::default()
        };
        assert_eq!(duplicate_of(&by_phone).map(Duplicate::owner_id), Some(None));
        assert_eq!(duplicate_of(&Hits::default()), None);
    }

    fn hit() -> impl Strategy<Value = Hit> {
        proptest::option::of((1..50_i64, proptest::option::of(1..5_i64)))
    }

    proptest! {
        /// Whenever any customer was found, the lead duplicates a customer;
        /// it duplicates nothing only when nothing was found.
        #[test]
        fn customers_win_whenever_found(cn in hit(), cp in hit(), ce in hit(), lc in hit(), lp in hit(), le in hit()) {
            let h = Hits { customer_name: cn, customer_phone: cp, customer_email: ce, lead_company: lc, lead_phone: lp, lead_email: le };
            let any_customer = cn.or(cp).or(ce).is_some();
            let any = any_customer || lc.or(lp).or(le).is_some();
            match duplicate_of(&h) {
                Some(Duplicate::Customer { .. }) => prop_assert!(any_customer),
                Some(Duplicate::Lead { .. }) => prop_assert!(!any_customer && any),
                None => prop_assert!(!any),
            }
        }
    }
}
