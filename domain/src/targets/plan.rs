//! A target plan: the company figure split down the department tree to
//! reps. Each node splits its figure over its children equally, by weights
//! or by manual values; a manual split that does not add up is refused with
//! the difference. A department's figure is its children's sum, never
//! counted twice.

use std::collections::{HashMap, HashSet};

use super::{ManualError, Mismatch, SplitError, check_manual, split_by_weights, split_equal};

use crate::vocabulary::FieldCode;

/// Who a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    Company,
    Department(i64),
    User(i64),
}

/// How a node's figure is split over its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    #[default]
    Equal,
    Weights,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub holder: Holder,
    /// For a parent splitting by weights.
    pub weight: Option<i64>,
    /// For a parent splitting manually (and the root's total).
    pub value: Option<i64>,
    pub split: Split,
    pub children: Vec<Node>,
}

/// Why a plan was refused, at `path` (e.g. `children.1.children.0.weight`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub path: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The root is not the company, or has no total.
    NoTotal,
    MissingWeight,
    MissingValue,
    DoesNotAddUp(Mismatch),
    Negative,
    Split(SplitError),
    /// This department is not a sub-department of its parent node.
    NotASubDepartment,
    /// This user is not in its parent department.
    NotInDepartment,
    /// No such department or active user.
    Unknown,
    /// A department or user appears twice.
    Twice,
}

impl PlanError {
    /// The field error code: `not_found` and `tree` for the organisation as
    /// stored, `range` for a negative target, `relation` for parts that must
    /// agree with each other (sums, splits, weights, no repeats).
    pub fn code(&self) -> FieldCode {
        match &self.problem {
            Problem::Unknown => FieldCode::NotFound,
            Problem::NotASubDepartment | Problem::NotInDepartment => FieldCode::Tree,
            Problem::Negative => FieldCode::Range,
            Problem::NoTotal
            | Problem::MissingWeight
            | Problem::MissingValue
            | Problem::DoesNotAddUp(_)
            | Problem::Split(_)
            | Problem::Twice => FieldCode::Relation,
        }
    }

    pub fn message(&self) -> String {
        match &self.problem {
            Problem::NoTotal => "the plan starts at the company with its total".into(),
            Problem::MissingWeight => "a weight is required when the parent splits by weights".into(),
            Problem::MissingValue => "a value is required when the parent splits manually".into(),
            Problem::DoesNotAddUp(m) => format!(
                "the children add up to {}, not {} (difference {})",
                m.sum, m.total, m.difference
            ),
            Problem::Negative => "targets are never negative".into(),
            Problem::Split(e) => e.to_string(),
            Problem::NotASubDepartment => "this department is not directly under its parent".into(),
            Problem::NotInDepartment => "this user is not in the parent department".into(),
            Problem::Unknown => "no such department or active user".into(),
            Problem::Twice => "a department or user appears once in a plan".into(),
        }
    }
}

/// May `scope` (the caller `me`) read the figures of `holder`? An admin
/// any; a manager their subtree's departments and the reps in it
/// (`user_department`: the holder's department when it is a user); anyone
/// themselves.
/// Whose targets a forecast is set against: the rep or department its
/// filter names, else the caller's own reach (the company for an admin,
/// their department for a manager, themselves for a rep).
pub fn forecast_holder(
    owner: Option<i64>,
    department: Option<i64>,
    scope: &crate::scope::DataScope,
    me: i64,
    my_department: Option<i64>,
) -> Holder {
    use crate::scope::DataScope;
    match (owner, department, scope) {
        (Some(u), _, _) => Holder::User(u),
        (None, Some(d), _) => Holder::Department(d),
        (None, None, DataScope::All) => Holder::Company,
        (None, None, DataScope::Departments { .. }) => my_department.map_or(Holder::User(me), Holder::Department),
        (None, None, DataScope::Own { .. }) => Holder::User(me),
    }
}

pub fn may_see(scope: &crate::scope::DataScope, me: i64, holder: Holder, user_department: Option<i64>) -> bool {
    use crate::scope::DataScope;
    match (scope, holder) {
        (DataScope::All, _) => true,
        (_, Holder::User(u)) if u == me => true,
        (DataScope::Departments { departments, .. }, Holder::Department(d)) => departments.contains(&d),
        (DataScope::Departments { departments, .. }, Holder::User(_)) => {
            user_department.is_some_and(|d| departments.contains(&d))
        }
        _ => false,
    }
}

/// The organisation as the plan's shape is checked against it.
#[derive(Debug, Clone, Default)]
pub struct Org {
    /// Department -> its parent.
    pub departments: HashMap<i64, Option<i64>>,
    /// Active user -> their department.
    pub users: HashMap<i64, Option<i64>>,
}

fn err(path: &str, problem: Problem) -> PlanError {
    PlanError {
        path: path.to_owned(),
        problem,
    }
}

fn child_path(path: &str, i: usize, field: &str) -> String {
    let base = if path.is_empty() {
        format!("children.{i}")
    } else {
        format!("{path}.children.{i}")
    };
    if field.is_empty() {
        base
    } else {
        format!("{base}.{field}")
    }
}

/// Resolves every node's yearly figure, top-down, checking the shape
/// against the organisation. The root is the company with its total.
pub fn resolve(root: &Node, org: &Org) -> Result<Vec<(Holder, i64)>, PlanError> {
    let total = match (root.holder, root.value) {
        (Holder::Company, Some(v)) if v >= 0 => v,
        (Holder::Company, Some(_)) => return Err(err("total", Problem::Negative)),
        _ => return Err(err("total", Problem::NoTotal)),
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(root, total, "", org, &mut seen, &mut out)?;
    Ok(out)
}

fn walk(
    node: &Node,
    value: i64,
    path: &str,
    org: &Org,
    seen: &mut HashSet<Holder>,
    out: &mut Vec<(Holder, i64)>,
) -> Result<(), PlanError> {
    out.push((node.holder, value));
    if node.children.is_empty() {
        return Ok(());
    }
    for (i, c) in node.children.iter().enumerate() {
        let at = child_path(path, i, "");
        if !seen.insert(c.holder) {
            return Err(err(&at, Problem::Twice));
        }
        let parent_dept = match node.holder {
            Holder::Department(d) => Some(d),
            _ => None,
        };
        match c.holder {
            Holder::Company => return Err(err(&at, Problem::Twice)),
            Holder::Department(d) => match org.departments.get(&d) {
                None => return Err(err(&at, Problem::Unknown)),
                Some(parent) if *parent != parent_dept => return Err(err(&at, Problem::NotASubDepartment)),
                _ => {}
            },
            Holder::User(u) => match org.users.get(&u) {
                None => return Err(err(&at, Problem::Unknown)),
                Some(dept) if parent_dept.is_some() && *dept != parent_dept => {
                    return Err(err(&at, Problem::NotInDepartment));
                }
                _ => {}
            },
        }
        if matches!(c.holder, Holder::User(_)) && !c.children.is_empty() {
            return Err(err(&child_path(path, i, "children"), Problem::Unknown));
        }
    }
    let parts = match node.split {
        Split::Equal => split_equal(value, node.children.len()).map_err(|e| err(path, Problem::Split(e)))?,
        Split::Weights => {
            let mut w = Vec::with_capacity(node.children.len());
            for (i, c) in node.children.iter().enumerate() {
                w.push(
                    c.weight
                        .ok_or_else(|| err(&child_path(path, i, "weight"), Problem::MissingWeight))?,
                );
            }
            split_by_weights(value, &w).map_err(|e| err(path, Problem::Split(e)))?
        }
        Split::Manual => {
            let mut v = Vec::with_capacity(node.children.len());
            for (i, c) in node.children.iter().enumerate() {
                v.push(
                    c.value
                        .ok_or_else(|| err(&child_path(path, i, "value"), Problem::MissingValue))?,
                );
            }
            match check_manual(value, &v) {
                Ok(()) => v,
                Err(ManualError::Negative) => return Err(err(path, Problem::Negative)),
                Err(ManualError::DoesNotAddUp(m)) => {
                    return Err(err(
                        &if path.is_empty() {
                            "children".into()
                        } else {
                            format!("{path}.children")
                        },
                        Problem::DoesNotAddUp(m),
                    ));
                }
            }
        }
    };
    for (i, (c, v)) in node.children.iter().zip(parts).enumerate() {
        walk(c, v, &child_path(path, i, ""), org, seen, out)?;
    }
    Ok(())
}
