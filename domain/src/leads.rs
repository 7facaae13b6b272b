//! Lead rules: which rep gets a new lead (ordered rules on region, industry and
//! source; a department target is served round-robin among its active reps
//! under capacity), who gets a duplicate, and when first contact is due.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

pub mod conversion;
pub mod duplicate;

/// What the rules look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadFacts<'a> {
    pub region: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub source: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    User(i64),
    Department(i64),
}

/// One assignment rule; `None` criteria match anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub target: Target,
}

impl Rule {
    pub fn matches(&self, lead: &LeadFacts<'_>) -> bool {
        let ok = |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| Some(w) == have);
        ok(&self.region, lead.region) && ok(&self.industry, lead.industry) && ok(&self.source, lead.source)
    }
}

/// A user who could receive leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: i64,
    pub active: bool,
    /// Leads they hold that are still open.
    pub open_leads: u32,
    /// Most open leads they may hold; `None` is no limit.
    pub capacity: Option<u32>,
}

impl Candidate {
    fn available(&self) -> bool {
        self.active && self.capacity.is_none_or(|c| self.open_leads < c)
    }
}

/// The facts the rules need beyond the lead itself.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Every user a rule names directly, and every rep of every target department.
    pub users: HashMap<i64, Candidate>,
    /// Rep ids of each target department, ascending.
    pub department_reps: HashMap<i64, Vec<i64>>,
    /// The user each department's round robin gave its last lead to.
    pub cursors: HashMap<i64, i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// To this user, by this rule (`None`: the owner of the record it duplicates).
    User { user_id: i64, rule_id: Option<i64> },
    /// No rule matched a user with room: the unassigned queue.
    Queue,
}

/// The first matching rule whose target has an available user decides; a rule
/// whose target is full or inactive passes to the next rule.
pub fn assign(lead: &LeadFacts<'_>, rules: &[Rule], roster: &Roster) -> Assignment {
    for rule in rules.iter().filter(|r| r.matches(lead)) {
        let chosen = match rule.target {
            Target::User(id) => roster.users.get(&id).filter(|c| c.available()).map(|c| c.user_id),
            Target::Department(d) => next_in_rotation(d, roster),
        };
        if let Some(user_id) = chosen {
            return Assignment::User {
                user_id,
                rule_id: Some(rule.id),
            };
        }
    }
    Assignment::Queue
}

/// The next available rep after the department's cursor, wrapping around.
fn next_in_rotation(department: i64, roster: &Roster) -> Option<i64> {
    let reps = roster.department_reps.get(&department)?;
    let start = match roster.cursors.get(&department) {
        Some(last) => reps.iter().position(|id| id > last).unwrap_or(0),
        None => 0,
    };
    (0..reps.len())
        .map(|i| reps[(start + i) % reps.len()])
        .find(|id| roster.users.get(id).is_some_and(Candidate::available))
}

/// Reassigns an overdue lead: the rules again, without the owner who let it lapse.
pub fn reassign(lead: &LeadFacts<'_>, rules: &[Rule], roster: &Roster, current_owner: i64) -> Assignment {
    let mut without = roster.clone();
    if let Some(c) = without.users.get_mut(&current_owner) {
        c.active = false;
    }
    assign(lead, rules, &without)
}

/// A lead that duplicates a record someone already works goes to that owner,
/// so two reps never chase one company; otherwise the rules decide.
pub fn assign_duplicate(existing_owner: Option<Candidate>) -> Option<Assignment> {
    existing_owner.filter(|c| c.active).map(|c| Assignment::User {
        user_id: c.user_id,
        rule_id: None,
    })
}

/// When first contact is due: assignment plus the SLA (24 hours by default).
pub fn first_contact_due(assigned_at: DateTime<Utc>, sla: Duration) -> DateTime<Utc> {
    assigned_at + sla
}

pub const DEFAULT_FIRST_CONTACT_SLA: Duration = Duration::hours(24);

/// What a lead is missing to be kept: someone to talk to (a person or a
/// company) and a way to reach them (a phone or an e-mail). Each entry is the
/// field to fill and why.
pub fn missing_lead_fields(
    has_person: bool,
    has_company: bool,
    has_phone: bool,
    has_email: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut missing = Vec::new();
    if !has_person && !has_company {
        missing.push(("person_name", "give a person_name or a company"));
    }
    if !has_phone && !has_email {
        missing.push(("phone", "give a phone or an email to reach the lead"));
    }
    missing
}

/// When a logged activity happened: `requested`, or now. A time more than five
/// minutes ahead (clock skew) is refused: follow-ups record the past.
pub fn activity_time(requested: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = requested.unwrap_or(now);
    (at <= now + Duration::minutes(5)).then_some(at)
}

/// Activities that count as contacting the lead (a note does not).
pub fn is_contact(kind: &str) -> bool {
    matches!(kind, "call" | "email" | "meeting" | "visit" | "wechat")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rep(user_id: i64) -> Candidate {
        Candidate {
            user_id,
            active: true,
            open_leads: 0,
            capacity: None,
        }
    }

    fn roster(reps: &[Candidate], department: i64) -> Roster {
        Roster {
            users: reps.iter().map(|c| (c.user_id, *c)).collect(),
            department_reps: HashMap::from([(department, reps.iter().map(|c| c.user_id).collect())]),
            cursors: HashMap::new(),
        }
    }

    fn rule(id: i64, region: Option<&str>, source: Option<&str>, target: Target) -> Rule {
        Rule {
            id,
            region: region.map(Into::into),
            industry: None,
            source: source.map(Into::into),
            target,
        }
    }

    /// Assigns `n` leads in a row, moving the cursor and counting as the storage layer does.
    fn run(n: usize, rules: &[Rule], mut roster: Roster, department: i64) -> Vec<Assignment> {
        let mut out = Vec::new();
        for _ in 0..n {
            let a = assign(&LeadFacts::default(), rules, &roster);
            if let Assignment::User { user_id, .. } = a {
                roster.cursors.insert(department, user_id);
                if let Some(c) = roster.users.get_mut(&user_id) {
                    c.open_leads += 1;
                }
            }
            out.push(a);
        }
        out
    }

    #[test]
    fn rules_match_on_every_given_criterion() {
        let r = rule(1, Some("shanghai"), Some("website"), Target::User(5));
        assert!(r.matches(&LeadFacts {
            region: Some("shanghai"),
            industry: Some("x"),
            source: Some("website")
        }));
        assert!(!r.matches(&LeadFacts {
            region: Some("beijing"),
            industry: None,
            source: Some("website")
        }));
        assert!(!r.matches(&LeadFacts {
            region: Some("shanghai"),
            industry: None,
            source: None
        }));
        assert!(rule(2, None, None, Target::User(5)).matches(&LeadFacts::default()));
    }

    #[test]
    fn the_first_matching_rule_wins_and_no_match_queues() {
        let rules = [
            rule(1, Some("shanghai"), None, Target::User(5)),
            rule(2, None, None, Target::User(6)),
        ];
        let r = roster(&[rep(5), rep(6)], 9);
        let sh = LeadFacts {
            region: Some("shanghai"),
            ..LeadFacts::default()
        };
        assert_eq!(
            assign(&sh, &rules, &r),
            Assignment::User {
                user_id: 5,
                rule_id: Some(1)
            }
        );
        assert_eq!(
            assign(&LeadFacts::default(), &rules, &r),
            Assignment::User {
                user_id: 6,
                rule_id: Some(2)
            }
        );
        assert_eq!(assign(&LeadFacts::default(), &rules[..1], &r), Assignment::Queue);
        assert_eq!(assign(&sh, &[], &r), Assignment::Queue);
    }

    #[test]
    fn round_robin_over_three_reps_gives_three_each_for_nine_leads() {
        let rules = [rule(1, None, None, Target::Department(9))];
        let got = run(9, &rules, roster(&[rep(11), rep(12), rep(13)], 9), 9);
        let ids: Vec<i64> = got
            .iter()
            .map(|a| match a {
                Assignment::User { user_id, .. } => *user_id,
                Assignment::Queue => 0,
            })
            .collect();
        assert_eq!(ids, [11, 12, 13, 11, 12, 13, 11, 12, 13]);
    }

    #[test]
    fn full_or_inactive_reps_are_skipped_and_a_full_target_passes_to_the_next_rule() {
        let full = Candidate {
            capacity: Some(2),
            open_leads: 2,
            ..rep(12)
        };
        let gone = Candidate {
            active: false,
            ..rep(13)
        };
        let r = roster(&[rep(11), full, gone], 9);
        let rules = [rule(1, None, None, Target::Department(9))];
        let ids: Vec<Assignment> = run(3, &rules, r, 9);
        assert!(
            ids.iter().all(|a| *a
                == Assignment::User {
                    user_id: 11,
                    rule_id: Some(1)
                }),
            "{ids:?}"
        );

        let only_full = roster(&[full], 9);
        let rules = [
            rule(1, None, None, Target::Department(9)),
            rule(2, None, None, Target::User(12)),
        ];
        assert_eq!(assign(&LeadFacts::default(), &rules, &only_full), Assignment::Queue);
    }

    #[test]
    fn an_overdue_lead_goes_to_someone_else_or_stays() {
        let rules = [rule(1, None, None, Target::Department(9))];
        let mut r = roster(&[rep(11), rep(12)], 9);
        r.cursors.insert(9, 11);
        assert_eq!(
            reassign(&LeadFacts::default(), &rules, &r, 12),
            Assignment::User {
                user_id: 11,
                rule_id: Some(1)
            }
        );
        let alone = roster(&[rep(11)], 9);
        assert_eq!(reassign(&LeadFacts::default(), &rules, &alone, 11), Assignment::Queue);
    }

    #[test]
    fn duplicates_go_to_the_existing_owner_while_active() {
        assert_eq!(
            assign_duplicate(Some(rep(7))),
            Some(Assignment::User {
                user_id: 7,
                rule_id: None
            })
        );
        assert_eq!(
            assign_duplicate(Some(Candidate {
                active: false,
                ..rep(7)
            })),
            None
        );
        assert_eq!(assign_duplicate(None), None);
    }

    #[test]
    fn first_contact_is_due_after_the_sla() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        assert_eq!(
            first_contact_due(t, DEFAULT_FIRST_CONTACT_SLA).to_rfc3339(),
            "2026-11-24T09:30:00+00:00"
        );
        assert!(is_contact("call") && is_contact("visit") && !is_contact("note"));
        assert_eq!(activity_time(None, t), Some(t));
        assert_eq!(
            activity_time(Some(t - Duration::days(3)), t),
            Some(t - Duration::days(3))
        );
        assert_eq!(
            activity_time(Some(t + Duration::minutes(4)), t),
            Some(t + Duration::minutes(4))
        );
        assert_eq!(activity_time(Some(t + Duration::hours(1)), t), None);
    }

    #[test]
    fn a_lead_needs_a_name_and_a_way_to_reach_it() {
        assert!(missing_lead_fields(true, false, false, true).is_empty());
        assert!(missing_lead_fields(false, true, true, false).is_empty());
        let fields: Vec<&str> = missing_lead_fields(false, false, false, false)
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(fields, ["person_name", "phone"]);
    }

    proptest! {
        /// Round robin is fair: over any number of leads, no available rep gets
        /// two more than another, and nobody exceeds their capacity.
        #[test]
        fn round_robin_is_fair_and_respects_capacity(
            caps in proptest::collection::vec(proptest::option::of(0u32..6), 1..6),
            n in 0usize..40,
        ) {
            let reps: Vec<Candidate> = caps.iter().enumerate().map(|(i, c)| Candidate { capacity: *c, ..rep(i as i64 + 1) }).collect();
            let rules = [rule(1, None, None, Target::Department(9))];
            let got = run(n, &rules, roster(&reps, 9), 9);
            let mut counts: HashMap<i64, u32> = HashMap::new();
            for a in &got {
                if let Assignment::User { user_id, .. } = a {
                    *counts.entry(*user_id).or_default() += 1;
                }
            }
            for r in &reps {
                let c = counts.get(&r.user_id).copied().unwrap_or(0);
                prop_assert!(r.capacity.is_none_or(|cap| c <= cap));
            }
            // reps that never filled up differ by at most one
            let unfilled: Vec<u32> = reps.iter()
                .filter(|r| r.capacity.is_none_or(|cap| counts.get(&r.user_id).copied().unwrap_or(0) < cap))
                .map(|r| counts.get(&r.user_id).copied().unwrap_or(0))
                .collect();
            if let (Some(lo), Some(hi)) = (unfilled.iter().min(), unfilled.iter().max()) {
                prop_assert!(hi - lo <= 1, "{counts:?}");
            }
            // a lead is queued only when everyone is full
            if got.contains(&Assignment::Queue) {
                prop_assert!(reps.iter().all(|r| r.capacity.is_some_and(|cap| counts.get(&r.user_id).copied().unwrap_or(0) == cap)));
            }
        }
    }
}
