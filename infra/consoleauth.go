package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// newCognito creates the console's sign-in: a user pool only an administrator adds people to,
// its managed login domain and app client, the viewers and operators groups, and an identity
// pool that gives a signed-in user temporary AWS credentials of their group's role.
func (c *Console) newCognito(stack awscdk.Stack, p CentralSystemStackProps, h *HTTPAPI) {
	c.UserPool = awscognito.NewUserPool(stack, jsii.String("ConsoleUserPool"), &awscognito.UserPoolProps{
		// AdminCreateUserConfig.AllowAdminCreateUserOnly: nobody signs up; an administrator
		// creates each user (admin-create-user, docs/console-aws.md).
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// MFA is required, with an authenticator app (TOTP) only: a console user can reset and
		// unlock charge boxes and stop sessions, so a leaked password alone must not do it. With
		// MFA required, managed login walks a new user through the TOTP setup (QR code) at the
		// first sign-in (Amazon Cognito Developer Guide, "TOTP software token MFA",
		// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html).
		// No SMS: it would need an SNS role, a sandbox exit and per-message cost.
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		// Essentials: the plan that has managed login (10,000 MAU a month free, docs/console-aws.md).
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		RemovalPolicy:      p.RemovalPolicy,
		DeletionProtection: jsii.Bool(p.RemovalPolicy == awscdk.RemovalPolicy_RETAIN),
	})
	// Domain prefixes are unique per region across every account: the account id makes this one.
	c.Domain = c.UserPool.AddDomain(jsii.String("ConsoleDomain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain:       &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(ConsoleDomainPrefix(p.Stage) + *awscdk.Aws_ACCOUNT_ID())},
		ManagedLoginVersion: awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN,
	})
	c.CognitoDomain = *c.Domain.BaseUrl(nil)
	c.newClient(stack)
	c.ViewerRole = c.groupRole(stack, "ConsoleViewerRole", "Console viewers: GET routes of the operator API",
		h.API.ArnForExecuteApi(jsii.String("GET"), jsii.String("/*"), jsii.String("$default")))
	c.OperatorRole = c.groupRole(stack, "ConsoleOperatorRole", "Console operators: every route of the operator API",
		h.API.ArnForExecuteApi(jsii.String("*"), jsii.String("/*"), jsii.String("$default")))
	// A user in both groups gets the role of the lower precedence: operators.
	for _, g := range []struct {
		name       string
		precedence float64
		role       awsiam.Role
	}{{OperatorGroup, 1, c.OperatorRole}, {ViewerGroup, 2, c.ViewerRole}} {
		awscognito.NewCfnUserPoolGroup(stack, jsii.String("ConsoleGroup-"+g.name), &awscognito.CfnUserPoolGroupProps{
			UserPoolId:  c.UserPool.UserPoolId(),
			GroupName:   jsii.String(g.name),
			Description: jsii.String("Operator console " + g.name),
			Precedence:  jsii.Number(g.precedence),
			RoleArn:     g.role.RoleArn(),
		})
	}
	c.mapRoles(stack)
}

// newClient creates the app client the console signs in with: a public client (no secret: it
// runs in the browser) using only the authorization code grant, which the console performs with
// PKCE. Cognito checks the code_verifier of a code issued with a code_challenge (Amazon Cognito
// Developer Guide, "Using PKCE in authorization code grants",
// https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html).
func (c *Console) newClient(stack awscdk.Stack) {
	c.Client = c.UserPool.AddClient(jsii.String("ConsoleClient"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(c.URL),
			LogoutUrls:   jsii.Strings(c.URL),
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		// A work day; the console keeps tokens in memory, so a reload signs in again anyway.
		RefreshTokenValidity: awscdk.Duration_Hours(jsii.Number(12)),
	})
	// Sign-in happens only in managed login: no direct password or SRP flows on this client.
	cfn := c.Client.Node().DefaultChild().(awscognito.CfnUserPoolClient)
	cfn.SetExplicitAuthFlows(jsii.Strings("ALLOW_REFRESH_TOKEN_AUTH"))
	// Managed login shows a client's pages only once the client has a branding style; this one
	// takes Cognito's defaults.
	awscognito.NewCfnManagedLoginBranding(stack, jsii.String("ConsoleLoginBranding"), &awscognito.CfnManagedLoginBrandingProps{
		UserPoolId:               c.UserPool.UserPoolId(),
		ClientId:                 c.Client.UserPoolClientId(),
		UseCognitoProvidedValues: jsii.Bool(true),
	})
	c.IdentityPool = awscognito.NewCfnIdentityPool(stack, jsii.String("ConsoleIdentityPool"), &awscognito.CfnIdentityPoolProps{
		AllowUnauthenticatedIdentities: jsii.Bool(false),
		AllowClassicFlow:               jsii.Bool(false),
		CognitoIdentityProviders: &[]*awscognito.CfnIdentityPool_CognitoIdentityProviderProperty{{
			ClientId:     c.Client.UserPoolClientId(),
			ProviderName: c.UserPool.UserPoolProviderName(),
			// The identity pool asks the user pool whether the user is still signed in and enabled.
			ServerSideTokenCheck: jsii.Bool(true),
		}},
	})
}

// groupRole is the role a group's members get from the identity pool, allowed execute-api:Invoke
// on resource. Only the identity pool may hand it out, and only to authenticated identities: the
// trust policy of Amazon Cognito Developer Guide, "Using role-based access control", "Creating
// roles for role mapping" (aud = the identity pool id, amr contains "authenticated"),
// https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html.
func (c *Console) groupRole(stack awscdk.Stack, id, description string, resource *string) awsiam.Role {
	role := awsiam.NewRole(stack, jsii.String(id), &awsiam.RoleProps{
		Description: jsii.String(description),
		AssumedBy: awsiam.NewWebIdentityPrincipal(jsii.String("cognito-identity.amazonaws.com"), &map[string]any{
			"StringEquals":           map[string]any{"cognito-identity.amazonaws.com:aud": c.IdentityPool.Ref()},
			"ForAnyValue:StringLike": map[string]any{"cognito-identity.amazonaws.com:amr": "authenticated"},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("execute-api:Invoke"),
		Resources: &[]*string{resource},
	}))
	return role
}

// mapRoles makes the identity pool take the role from the ID token: Cognito puts the role of
// the user's highest-precedence group in the cognito:preferred_role claim (Amazon Cognito API
// Reference, CreateGroup RoleArn; Developer Guide, "Using role-based access control"). A user in
// no group has no such claim and gets no credentials (AmbiguousRoleResolution Deny), and no
// default authenticated role exists to fall back to.
func (c *Console) mapRoles(stack awscdk.Stack) {
	provider := awscdk.Fn_Join(jsii.String(":"), jsii.Strings(*c.UserPool.UserPoolProviderName(), *c.Client.UserPoolClientId()))
	awscognito.NewCfnIdentityPoolRoleAttachment(stack, jsii.String("ConsoleRoleMapping"), &awscognito.CfnIdentityPoolRoleAttachmentProps{
		IdentityPoolId: c.IdentityPool.Ref(),
		RoleMappings: map[string]any{
			"userpool": &awscognito.CfnIdentityPoolRoleAttachment_RoleMappingProperty{
				Type:                    jsii.String("Token"),
				AmbiguousRoleResolution: jsii.String("Deny"),
				IdentityProvider:        provider,
			},
		},
	})
}
