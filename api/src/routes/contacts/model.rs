//! What a contact looks like on the wire: the answer and the create and
//! update bodies.

use chrono::{DateTime, Utc};
use persistence::contacts::ContactRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;
use crate::extract::double_option;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpRole {
    /// 决策人
    DecisionMaker,
    /// 推荐人
    Recommender,
    /// 润滑型: influencer or gatekeeper, such as a secretary
    Influencer,
    User,
    Other,
}

crate::words::same_words!(
    KpRole,
    domain::vocabulary::KpRole,
    [DecisionMaker, Recommender, Influencer, User, Other]
);

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactDto {
    pub id: i64,
    pub customer_id: i64,
    #[schema(example = "张总")]
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub kp_role: KpRole,
    pub is_primary: bool,
    pub preferred_channel: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The admin's custom fields that have a value, by key.
    #[schema(value_type = HashMap<String, crate::custom::CustomValue>)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

impl ContactDto {
    /// Masks phone, e-mail and WeChat for a caller who may see the customer
    /// but does not own it (`domain::mask`).
    pub(super) fn masked_if(mut self, masked: bool) -> ContactDto {
        if masked {
            self.phone = self.phone.as_deref().map(domain::mask::phone);
            self.email = self.email.as_deref().map(domain::mask::email);
            self.wechat = self.wechat.as_deref().map(domain::mask::handle);
        }
        self
    }
}

impl TryFrom<ContactRow> for ContactDto {
    type Error = ApiError;

    /// Fails only when the stored KP role is not a known one.
    fn try_from(r: ContactRow) -> Result<Self, ApiError> {
        Ok(ContactDto {
            id: r.id,
            customer_id: r.customer_id,
            name: r.name,
            title: r.title,
            phone: r.phone,
            email: r.email,
            wechat: r.wechat,
            kp_role: crate::words::stored::<domain::vocabulary::KpRole>(&r.kp_role)?.into(),
            is_primary: r.is_primary,
            preferred_channel: r.preferred_channel,
            notes: r.notes,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
            custom_fields: serde_json::Map::new(),
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "张总", min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub phone: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub wechat: Option<String>,
    /// Default `other`.
    pub kp_role: Option<KpRole>,
    /// The customer's main contact; setting it unsets the previous one.
    pub is_primary: Option<bool>,
    #[validate(length(max = 30))]
    #[schema(example = "wechat", max_length = 30)]
    pub preferred_channel: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// Values of the admin's custom fields, by key (`GET /custom-fields?entity=contact`).
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = 100))]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50)]
    #[validate(length(max = 50))]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 254)]
    #[validate(length(max = 254))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = 100))]
    pub wechat: Option<Option<String>>,
    pub kp_role: Option<KpRole>,
    pub is_primary: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 30)]
    #[validate(length(max = 30))]
    pub preferred_channel: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    #[validate(length(max = 5000))]
    pub notes: Option<Option<String>>,
    /// Custom field values to set (`null` clears one); fields not named stay.
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}
