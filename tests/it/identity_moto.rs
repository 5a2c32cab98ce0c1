//! IAM Identity Center through the AWS provider against moto: groups created in the identity
//! store, the landing zone's permission sets and OU-wide assignments applied, each assignment
//! checked account by account with direct SDK reads, an account moved into an assigned OU
//! picked up by the next plan, and convergence.

use crate::common;
use crate::identity::with_identity;
use common::moto::Moto;
use common::Workspace;
use std::collections::BTreeSet;

/// Which groups (by name) are assigned which permission set (by name) in `account`.
async fn assigned_in(moto: &Moto, account: &str) -> BTreeSet<(String, String)> {
    let (admin, store) = moto.identity_center().await;
    let instances = admin.list_instances().send().await.expect("instances");
    let instance = instances.instances()[0].clone();
    let instance_arn = instance.instance_arn().expect("arn");
    let store_id = instance.identity_store_id().expect("store");
    let groups = store.list_groups().identity_store_id(store_id).send().await.expect("groups");
    let group_name = |id: &str| {
        groups.groups().iter().find(|g| g.group_id() == id).and_then(|g| g.display_name()).unwrap_or(id).to_string()
    };
    let sets = admin.list_permission_sets().instance_arn(instance_arn).send().await.expect("sets");
    let mut out = BTreeSet::new();
    for arn in sets.permission_sets() {
        let described = admin
            .describe_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(arn)
            .send()
            .await
            .expect("set");
        let name = described.permission_set().and_then(|p| p.name()).unwrap_or_default().to_string();
        let found = admin
            .list_account_assignments()
            .instance_arn(instance_arn)
            .account_id(account)
            .permission_set_arn(arn)
            .send()
            .await
            .expect("assignments");
        for a in found.account_assignments() {
            out.insert((group_name(a.principal_id().unwrap_or_default()), name.clone()));
        }
    }
    out
}

#[tokio::test]
async fn permission_sets_and_ou_wide_assignments_reach_every_account_on_moto() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let run = |args: &[&str]| ws.run_on(&moto, args);
    let org = ws.org.to_str().expect("utf-8").to_string();
    run(&["apply", &org, "--auto-approve"]).ok();

    // The groups people are in, made in the identity store as an identity provider would.
    let (admin, store) = moto.identity_center().await;
    let instances = admin.list_instances().send().await.expect("instances");
    let store_id = instances.instances()[0].identity_store_id().expect("store").to_string();
    for group in ["Administrators", "Developers", "Auditors"] {
        store.create_group().identity_store_id(&store_id).display_name(group).send().await.expect("group");
    }

    with_identity(&ws);
    let plan = run(&["plan", &org]);
    assert_eq!(plan.code, Some(0), "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("+ permission set AdministratorAccess: create"), "{}", plan.stdout);
    run(&["apply", &org, "--auto-approve"]).ok();
    let again = run(&["plan", &org, "--detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "not converged:\n{}{}", again.stdout, again.stderr);

    let orgs = moto.organizations().await;
    let accounts = orgs.list_accounts().send().await.expect("accounts");
    let id_of = |name: &str| {
        accounts.accounts().iter().find(|a| a.name() == Some(name)).and_then(|a| a.id()).expect(name).to_string()
    };
    let admins = ("Administrators".to_string(), "AdministratorAccess".to_string());
    let auditors = ("Auditors".to_string(), "ReadOnly".to_string());
    let developers = ("Developers".to_string(), "Developer".to_string());
    for name in ["Development", "Shared Services", "Sandbox"] {
        let found = assigned_in(&moto, &id_of(name)).await;
        assert_eq!(found, BTreeSet::from([admins.clone(), auditors.clone(), developers.clone()]), "{name}");
    }
    for name in ["Production", "Security", "Log Archive"] {
        let found = assigned_in(&moto, &id_of(name)).await;
        assert_eq!(found, BTreeSet::from([admins.clone(), auditors.clone()]), "{name}");
    }
    // The management account is never in a wide assignment.
    assert!(assigned_in(&moto, "123456789012").await.is_empty());

    // Log Archive moves into Workloads: the next plan assigns it, and the apply converges.
    ws.edit("        - !Ref SecurityAccount\n        - !Ref LogArchiveAccount\n", "        - !Ref SecurityAccount\n");
    ws.edit(
        "      Accounts:\n        - !Ref SharedServicesAccount\n",
        "      Accounts:\n        - !Ref SharedServicesAccount\n        - !Ref LogArchiveAccount\n",
    );
    let plan = run(&["plan", &org]);
    assert!(plan.stdout.contains("+ assignment group Developers → Log Archive: assign Developer"), "{}", plan.stdout);
    run(&["apply", &org, "--auto-approve"]).ok();
    let again = run(&["plan", &org, "--detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "not converged:\n{}{}", again.stdout, again.stderr);
    assert!(assigned_in(&moto, &id_of("Log Archive")).await.contains(&developers));

    // The audit reads the same through the AWS provider: who can sign in where.
    let audit = run(&["audit", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&audit.stdout).expect("json report");
    let access = report["identity_center"]["access"].as_array().expect("access table");
    assert_eq!(access.len(), 6 + 6 + 4, "administrators and auditors in every member account, developers in 4");
}
