//! The landing zone on the AWS provider against moto: stacks deployed through each account's
//! access role, checked with direct CloudFormation and IAM reads inside every account.

use crate::common;
use common::moto::Moto;
use common::Workspace;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_zone_deploys_on_moto_into_the_right_accounts_and_regions() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let tasks = ws.tasks();
    let tasks = tasks.to_str().unwrap();
    let apply = tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", tasks, "--auto-approve"]));
    assert_eq!(apply.code, Some(0), "{}\n{}", apply.stdout, apply.stderr);
    let again = tokio::task::block_in_place(|| ws.run_on(&moto, &["plan", tasks, "--detailed-exitcode"]));
    assert_eq!(again.code, Some(0), "second plan not empty:\n{}\n{}", again.stdout, again.stderr);

    let orgs = moto.organizations().await;
    let accounts = orgs.list_accounts().send().await.unwrap().accounts().to_vec();
    let id_of =
        |email: &str| accounts.iter().find(|a| a.email() == Some(email)).and_then(|a| a.id()).unwrap().to_string();
    let log_archive = id_of("aws+log-archive@example.com");
    let security = id_of("aws+security@example.com");

    // The log archive bucket exists in the Log Archive account, in eu-west-1 only.
    let cfn = moto.cloudformation_in(&log_archive, "eu-west-1").await;
    let resources = cfn.describe_stack_resources().stack_name("acme-log-archive").send().await.unwrap();
    let types: Vec<&str> = resources.stack_resources().iter().filter_map(|r| r.resource_type()).collect();
    assert!(types.contains(&"AWS::S3::Bucket"), "{types:?}");
    let elsewhere = moto.cloudformation_in(&security, "eu-west-1").await;
    assert!(elsewhere.describe_stacks().stack_name("acme-log-archive").send().await.is_err(), "only in Log Archive");

    // An audit role in every account, trusting the auditor role of the Security account.
    for a in &accounts {
        let id = a.id().unwrap();
        let iam = moto.iam_in(id).await;
        let role = iam.get_role().role_name("OrgctlAudit").send().await.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let trust = urlencoding_free(role.role().unwrap().assume_role_policy_document().unwrap_or_default());
        assert!(trust.contains(&format!("arn:aws:iam::{security}:")), "{id} trusts: {trust}");
        // The build role pipelines deploy with, trusting the management account.
        let build = iam.get_role().role_name("OrgctlBuild").send().await.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let trust = urlencoding_free(build.role().unwrap().assume_role_policy_document().unwrap_or_default());
        assert!(trust.contains("arn:aws:iam::123456789012:root"), "{id} build role trusts: {trust}");
        // A KMS key stack in both regions.
        for region in ["eu-west-1", "eu-central-1"] {
            let cfn = moto.cloudformation_in(id, region).await;
            let stacks = cfn
                .describe_stacks()
                .stack_name("acme-kms")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{id}/{region}: {e:?}"));
            assert_eq!(stacks.stacks()[0].stack_status().unwrap().as_str(), "CREATE_COMPLETE");
        }
    }
    let auditor = moto.iam_in(&security).await.get_role().role_name("OrgctlAuditor").send().await;
    assert!(auditor.is_ok(), "the auditor role lives in the Security account");
}

/// The id of the account with `email` in moto's organization.
async fn account_id(moto: &Moto, email: &str) -> String {
    let accounts = moto.organizations().await.list_accounts().send().await.unwrap().accounts().to_vec();
    accounts.iter().find(|a| a.email() == Some(email)).and_then(|a| a.id()).unwrap().to_string()
}

/// IAM returns policy documents URL-encoded.
fn urlencoding_free(text: &str) -> String {
    let mut out = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b as char);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_moto_producers_go_first_and_prune_deletes_only_when_asked() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let tasks = ws.tasks();
    let tasks = tasks.to_str().unwrap();
    let apply = tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", tasks, "--auto-approve"]));
    assert_eq!(apply.code, Some(0), "{}\n{}", apply.stdout, apply.stderr);
    let done: Vec<&str> =
        apply.stdout.lines().filter(|l| l.starts_with("done") && l.contains("acme-audit-roles")).collect();
    assert!(done[0].contains("in Security/"), "the producer finishes first: {done:?}");

    // (A changed producer output reaching its consumers is tested on the sandbox: moto cannot
    // replace the IAM role on a stack update, see shared/AWS-FACTS.md.)
    let prod = account_id(&moto, "aws+production@example.com").await;

    // Without the KMS task, --prune deletes its stacks; they are gone from every account.
    let mut text = std::fs::read_to_string(ws.tasks()).unwrap();
    let start = text.find("Encryption:\n").unwrap();
    let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e + 2);
    text.replace_range(start..end, "");
    std::fs::write(ws.tasks(), text).unwrap();
    let kept = tokio::task::block_in_place(|| ws.run_on(&moto, &["plan", tasks, "--detailed-exitcode"]));
    assert_eq!(kept.code, Some(0), "without --prune the stacks stay: {}", kept.stdout);
    tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", tasks, "--auto-approve", "--prune"])).ok();
    let cfn = moto.cloudformation_in(&prod, "eu-central-1").await;
    let left = cfn.describe_stacks().stack_name("acme-kms").send().await;
    let gone = match left {
        Err(_) => true,
        Ok(out) => out.stacks().iter().all(|s| s.stack_status().map(|st| st.as_str()) == Some("DELETE_COMPLETE")),
    };
    assert!(gone, "acme-kms was pruned");
    let again = tokio::task::block_in_place(|| ws.run_on(&moto, &["plan", tasks, "--detailed-exitcode"]));
    assert_eq!(again.code, Some(0), "{}", again.stdout);
}

/// `copy-to-s3` on the AWS provider: the bucket made by a stack first (DependsOn), then the
/// templated file put into it with the target account's credentials; moving RemotePath deletes
/// the object written before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_to_s3_puts_the_file_into_the_bucket_of_each_target_on_moto() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let dir = ws.dir.path().join("landing-zone");
    std::fs::write(
        dir.join("bucket.yml"),
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub 'orgctl-upload-${AWS::AccountId}'\n",
    )
    .unwrap();
    std::fs::write(dir.join("hello.txt"), "hello {{ who }}\n").unwrap();
    let tasks = dir.join("upload-tasks.yml");
    std::fs::write(
        &tasks,
        "OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\nBucket:\n  Type: update-stacks\n  Template: ./bucket.yml\n  StackName: upload-bucket\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\nUpload:\n  Type: copy-to-s3\n  DependsOn: Bucket\n  LocalPath: ./hello.txt\n  RemotePath: !Sub s3://orgctl-upload-${AWS::AccountId}/greetings/hello.txt\n  TemplatingContext:\n    who: moto\n  OrganizationBinding:\n    Account: !Ref ProductionAccount\n    Region: eu-west-1\n",
    )
    .unwrap();
    let tasks = tasks.to_str().unwrap();
    let apply = tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", tasks, "--auto-approve"]));
    assert_eq!(apply.code, Some(0), "{}\n{}", apply.stdout, apply.stderr);
    let prod = account_id(&moto, "aws+production@example.com").await;
    let s3 = moto.s3_in(&prod, "eu-west-1").await;
    let bucket = format!("orgctl-upload-{prod}");
    let object = s3.get_object().bucket(&bucket).key("greetings/hello.txt").send().await.unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"hello moto\n");
    let again = tokio::task::block_in_place(|| ws.run_on(&moto, &["plan", tasks, "--detailed-exitcode"]));
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);

    std::fs::write(
        dir.join("upload-tasks.yml"),
        std::fs::read_to_string(tasks).unwrap().replace("greetings/", "moved/"),
    )
    .unwrap();
    let apply = tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", tasks, "--auto-approve"]));
    assert_eq!(apply.code, Some(0), "{}\n{}", apply.stdout, apply.stderr);
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["moved/hello.txt"]);
}
