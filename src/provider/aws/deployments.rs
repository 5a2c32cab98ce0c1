//! The AWS provider's what is deployed into accounts: stacks, CloudFormation types, S3 objects, workload credentials.

use super::*;
use crate::model::AccountId;

#[async_trait]
impl Deployments for AwsProvider {
    async fn register_type(&self, at: At<'_>, type_name: &str, package: &str) -> ProviderResult<()> {
        self.put_type(at.account_id, at.region, at.role, type_name, package).await
    }

    async fn deregister_type(&self, at: At<'_>, type_name: &str) -> ProviderResult<()> {
        self.remove_type(at.account_id, at.region, at.role, type_name).await
    }

    async fn put_object(&self, at: At<'_>, object: &crate::provider::PutObject<'_>) -> ProviderResult<()> {
        let s3 = self.clients.s3(at.account_id, at.region, self.credentials_in(at.account_id, at.role, None).await?);
        let mut put = s3
            .put_object()
            .bucket(object.bucket)
            .key(object.key)
            .body(aws_sdk_s3::primitives::ByteStream::from(object.body.to_vec()));
        if let Some(sse) = object.server_side_encryption {
            put = put.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::from(sse));
        }
        put.send().await.map(|_| ()).map_err(|e| api_error("PutObject", e))
    }

    async fn get_object(&self, bucket: &str, key: &str) -> ProviderResult<Vec<u8>> {
        let region = self.clients.home_region();
        let object = self
            .clients
            .s3("management", &region, None)
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| api_error("GetObject", e))?;
        let body = object
            .body
            .collect()
            .await
            .map_err(|e| ProviderError::new("GetObject", format!("reading s3://{bucket}/{key}: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }

    async fn delete_object(&self, at: At<'_>, bucket: &str, key: &str) -> ProviderResult<()> {
        let s3 = self.clients.s3(at.account_id, at.region, self.credentials_in(at.account_id, at.role, None).await?);
        s3.delete_object().bucket(bucket).key(key).send().await.map(|_| ()).map_err(|e| api_error("DeleteObject", e))
    }

    async fn workload_credentials(
        &self,
        account_id: &AccountId,
        role: Option<&str>,
    ) -> ProviderResult<Vec<(String, String)>> {
        let credentials = match role {
            None if *account_id == self.management_account_id => self.clients.own_credentials().await?,
            None => {
                let email = self.email_of(account_id);
                self.clients.member_credentials(account_id, self.roles.role_for(account_id, &email), None).await?
            }
            Some(role) => self.clients.member_credentials(account_id, role, None).await?,
        };
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID".to_string(), credentials.access_key_id().to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), credentials.secret_access_key().to_string()),
        ];
        if let Some(token) = credentials.session_token() {
            env.push(("AWS_SESSION_TOKEN".to_string(), token.to_string()));
        }
        Ok(env)
    }

    async fn read_stacks(&self, at: At<'_>) -> ProviderResult<Vec<StackState>> {
        self.list_stacks(at.account_id, at.region).await
    }

    async fn create_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        self.put_stack(at.account_id, at.region, spec, true).await
    }

    async fn update_stack(&self, at: At<'_>, spec: &StackSpec) -> ProviderResult<()> {
        self.put_stack(at.account_id, at.region, spec, false).await
    }

    async fn delete_stack(&self, at: At<'_>, name: &str) -> ProviderResult<()> {
        self.remove_stack(at.account_id, at.region, name).await
    }

    async fn export_value(&self, at: At<'_>, name: &str) -> ProviderResult<Option<String>> {
        self.export_of(at.account_id, at.region, name).await
    }

    async fn stack_outputs(
        &self,
        at: At<'_>,
        name: &str,
    ) -> ProviderResult<std::collections::BTreeMap<String, String>> {
        self.outputs_of(at.account_id, at.region, name).await
    }
}
