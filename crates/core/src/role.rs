//! Roles of accounts and what each may do.
//!
//! Every check of the web layer goes through [`Role::may`] and the caller's jurisdiction, so that
//! the access rules stand in one place.
//!
//! Administration is split three ways (三员分立, as GB/T 22239-2019 asks of government systems):
//! the system administrator keeps the installation, the security administrator keeps the
//! accounts, the security auditor reads the audit log. Each is a role of its own, an account has
//! exactly one role, and no role holds two of these duties.

use serde::{Deserialize, Serialize};

/// The role of an account. Every account also belongs to one agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator (系统管理员): the installation and its agencies; neither accounts
    /// nor the audit log.
    SystemAdmin,
    /// Security administrator (安全管理员): accounts, their roles, resets and locks; not the
    /// audit log.
    SecurityAdmin,
    /// City legal supervision section (法制督查科): consolidates the city-wide lists (R-LIST-12).
    CityLegal,
    /// City complaints section (投诉举报科): complaint lists and the platform's data (R-LIST-8, R-LIST-13).
    CityComplaints,
    /// City office (办公室): the city-level staff list (R-LIST-7).
    CityOffice,
    /// District or county branch administrator (分局管理员): the branch's lists, plans and draws.
    DistrictAdmin,
    /// Enforcement officer (执法人员): own tasks and inspections.
    Officer,
    /// Security auditor (安全审计员): reads and exports the audit log, changes nothing.
    Auditor,
}

/// Something an account may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See agencies, officers and lists within the jurisdiction.
    ViewRegistry,
    /// Create and change lists (firms, officers, projects, cases) within the jurisdiction.
    EditRegistry,
    /// Create accounts, reset their passwords, unlock and deactivate them.
    ManageAccounts,
    /// Read the audit log.
    ReadAuditLog,
    /// Issue API tokens for oneself.
    UseApi,
    /// Create plans and carry out their draws (freeze, randomness, draw) within the jurisdiction.
    RunDraws,
    /// Accept or return submitted on-site forms (附表1) within the jurisdiction (R-INSP-4).
    ReviewInspections,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::CityLegal,
        Role::CityComplaints,
        Role::CityOffice,
        Role::DistrictAdmin,
        Role::Officer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::CityLegal => "city_legal",
            Role::CityComplaints => "city_complaints",
            Role::CityOffice => "city_office",
            Role::DistrictAdmin => "district_admin",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// City-wide roles see every agency; the others see their own agency's subtree.
    pub fn is_city_wide(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin
                | Role::SecurityAdmin
                | Role::CityLegal
                | Role::CityComplaints
                | Role::CityOffice
                | Role::Auditor
        )
    }

    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ViewRegistry => true,
            EditRegistry => matches!(
                self,
                Role::CityLegal | Role::CityComplaints | Role::CityOffice | Role::DistrictAdmin
            ),
            ManageAccounts => self == Role::SecurityAdmin,
            ReadAuditLog => self == Role::Auditor,
            UseApi => true,
            RunDraws => matches!(self, Role::CityLegal | Role::DistrictAdmin),
            ReviewInspections => matches!(self, Role::CityLegal | Role::DistrictAdmin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn the_auditor_reads_the_audit_log_but_edits_nothing() {
        assert!(Role::Auditor.may(Permission::ReadAuditLog));
        assert!(!Role::Auditor.may(Permission::EditRegistry));
        assert!(!Role::Auditor.may(Permission::ManageAccounts));
    }

    #[test]
    fn accounts_and_the_audit_log_are_kept_by_different_roles() {
        let holders = |p| {
            Role::ALL
                .into_iter()
                .filter(|r| r.may(p))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            holders(Permission::ManageAccounts),
            vec![Role::SecurityAdmin]
        );
        assert_eq!(holders(Permission::ReadAuditLog), vec![Role::Auditor]);
        // The three administrators do no enforcement work.
        for admin in [Role::SystemAdmin, Role::SecurityAdmin, Role::Auditor] {
            for p in [
                Permission::EditRegistry,
                Permission::RunDraws,
                Permission::ReviewInspections,
            ] {
                assert!(!admin.may(p), "{admin:?} {p:?}");
            }
        }
    }
}
