//! What a new installation needs before anyone can log in: the agency tree and the first
//! administrator.

use spotcheck_core::agency::urumqi_agencies;
use spotcheck_core::role::Role;

use crate::account::{self, NewAccount};
use crate::{agency, Db, Result, StoreError};

/// The username of the first administrator.
pub const ADMIN_USERNAME: &str = "admin";

/// Migrates, creates the agency tree and the `admin` account if they are missing.
///
/// The administrator's password is `admin_password` when given; otherwise a random one is made and
/// returned, so that the caller can print it once. Returns `None` when the account already existed
/// or the given password was used.
pub async fn ensure_foundation(db: &Db, admin_password: Option<&str>) -> Result<Option<String>> {
    db.migrate().await?;
    let mut tx = db.begin().await?;
    agency::ensure_tree(&mut tx, "system", &urumqi_agencies()).await?;
    tx.commit().await?;
    if account::by_username(db, ADMIN_USERNAME).await?.is_some() {
        return Ok(None);
    }
    let city = agency::by_code(db, "650100")
        .await?
        .ok_or_else(|| StoreError::NotFound("city detachment 650100".into()))?;
    let (password, generated) = match admin_password {
        Some(p) if !p.is_empty() => (p.to_string(), None),
        _ => {
            let p = account::random_password();
            (p.clone(), Some(p))
        }
    };
    let mut tx = db.begin().await?;
    account::create(
        &mut tx,
        "system",
        NewAccount {
            username: ADMIN_USERNAME.into(),
            display_name: "系统管理员".into(),
            agency_id: city.id,
            role: Role::SystemAdmin,
            password,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(generated)
}
