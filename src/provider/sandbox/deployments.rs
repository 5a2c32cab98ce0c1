//! The sandbox provider's what is deployed into accounts: stacks, CloudFormation types, S3 objects, workload credentials.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl Deployments for SandboxProvider {
    async fn register_type(&self, at: At<'_>, type_name: &str, package: &str) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        self.write("RegisterType", &[account_id, region, type_name], |d| {
            if !package.starts_with("s3://") {
                return Err(err("ValidationException", format!("SchemaHandlerPackage {package} is not an s3:// URL")));
            }
            if type_name.split("::").count() != 3 {
                return Err(err("ValidationException", format!("{type_name} is not Organization::Service::Resource")));
            }
            d.types.insert(format!("{account_id}/{region}/{type_name}"), package.to_string());
            Ok(())
        })
    }

    async fn deregister_type(&self, at: At<'_>, type_name: &str) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        self.write("DeregisterType", &[account_id, region, type_name], |d| {
            d.types.remove(&format!("{account_id}/{region}/{type_name}"));
            Ok(())
        })
    }

    async fn put_object(&self, at: At<'_>, object: &crate::provider::PutObject<'_>) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        let location = format!("s3://{}/{}", object.bucket, object.key);
        self.write("PutObject", &[account_id, region, &location], |d| {
            d.account_mut(account_id)?;
            if object.key.len() > 1024 {
                return Err(err("KeyTooLongError", "the object key is longer than 1,024 bytes"));
            }
            d.objects.insert(
                location.clone(),
                store::SandboxObject {
                    account_id: account_id.to_string(),
                    region: region.to_string(),
                    md5: crate::model::md5_hex(object.body),
                    size: object.body.len() as u64,
                    server_side_encryption: object.server_side_encryption.map(str::to_string),
                    text: String::from_utf8(object.body.to_vec()).ok(),
                },
            );
            Ok(())
        })
    }

    async fn get_object(&self, bucket: &str, key: &str) -> ProviderResult<Vec<u8>> {
        let location = format!("s3://{bucket}/{key}");
        let data = self.reading("GetObject", &[bucket, key]);
        match data.objects.get(&location) {
            Some(object) => object
                .text
                .clone()
                .map(String::into_bytes)
                .ok_or_else(|| err("InvalidObjectState", format!("{location} is not text the sandbox kept"))),
            None => Err(err("NoSuchKey", format!("{location} does not exist in the sandbox"))),
        }
    }

    async fn delete_object(&self, at: At<'_>, bucket: &str, key: &str) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        let location = format!("s3://{bucket}/{key}");
        self.write("DeleteObject", &[account_id, region, &location], |d| {
            d.objects.remove(&location);
            Ok(())
        })
    }

    /// Stand-in credentials that name the account and role, so that tests see which target a
    /// command ran for.
    async fn workload_credentials(
        &self,
        account_id: &AccountId,
        role: Option<&str>,
    ) -> ProviderResult<Vec<(String, String)>> {
        let data = self.reading("AssumeRole", &[account_id]);
        let account = data
            .org
            .accounts
            .get(account_id)
            .ok_or_else(|| err("AccountNotFoundException", format!("no account {account_id}")))?;
        if !account.status.is_active() {
            return Err(err("AccessDenied", format!("account {account_id} is {}", account.status)));
        }
        Ok(vec![
            ("AWS_ACCESS_KEY_ID".into(), format!("ASIASANDBOX{account_id}")),
            ("AWS_SECRET_ACCESS_KEY".into(), "sandbox-secret".into()),
            (
                "AWS_SESSION_TOKEN".into(),
                format!("sandbox-session/{}", role.unwrap_or("OrganizationAccountAccessRole")),
            ),
        ])
    }

    async fn read_stacks(&self, at: At<'_>) -> ProviderResult<Vec<StackState>> {
        let At { account_id, region, .. } = at;
        let data = self.reading("DescribeStacks", &[account_id, region]);
        let prefix = format!("{account_id}/{region}/");
        Ok(data
            .stacks
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, s)| s.task().is_some())
            .map(|(_, s)| stacks::as_described(s))
            .collect())
    }

    async fn create_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        // An injected failure behaves like CloudFormation's: the stack is left ROLLBACK_COMPLETE.
        if self.faults.check("CreateStack", &[account_id, region, &spec.name]) == Some(Mode::Fail) {
            self.write("CreateStackFailed", &[], |d| {
                d.failed_stack(account_id, region, spec);
                Ok(())
            })?;
            return Err(err(
                "StackCreateFailed",
                format!("stack {} in {account_id}/{region} failed to create: ROLLBACK_COMPLETE (injected)", spec.name),
            ));
        }
        self.write("CreateStack", &[account_id, region, &spec.name], |d| d.create_stack(account_id, region, spec))
    }

    async fn update_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        self.write("UpdateStack", &[account_id, region, &spec.name], |d| d.update_stack(account_id, region, spec))
    }

    async fn delete_stack(&self, at: At<'_>, name: &str) -> ProviderResult<()> {
        let At { account_id, region, .. } = at;
        self.write("DeleteStack", &[account_id, region, name], |d| d.delete_stack(account_id, region, name))
    }

    async fn export_value(&self, at: At<'_>, name: &str) -> ProviderResult<Option<String>> {
        let At { account_id, region, .. } = at;
        let data = self.reading("ListExports", &[account_id, region, name]);
        Ok(data
            .stacks
            .values()
            .filter(|s| s.account_id == *account_id && s.region == *region)
            .find_map(|s| s.exports.get(name).cloned()))
    }

    async fn stack_outputs(
        &self,
        at: At<'_>,
        name: &str,
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        let At { account_id, region, .. } = at;
        let data = self.reading("DescribeStacks", &[account_id, region, name]);
        data.stacks.get(&stacks::key(account_id, region, name)).map(|s| s.outputs.clone()).ok_or_else(|| {
            err("ValidationError", format!("Stack with id {name} does not exist in {account_id}/{region}"))
        })
    }
}
