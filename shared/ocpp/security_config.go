package ocpp

// ConfigurationKey describes a standard configuration key of a charge box.
type ConfigurationKey struct {
	Key string
	// Type is the value's type as the specification names it (integer, boolean, string).
	Type string
	// Readonly keys are reported by the box and cannot be changed with ChangeConfiguration.
	Readonly bool
	// WriteOnly keys can be set but a box never reports their value (GetConfiguration leaves
	// them out), and the central system never shows one.
	WriteOnly   bool
	Description string
}

// SecurityConfigurationKeys are the configuration keys the security extension defines
// (whitepaper edition 3, section 4), in its order.
var SecurityConfigurationKeys = []ConfigurationKey{
	{Key: "AdditionalRootCertificateCheck", Type: "boolean", Readonly: true, Description: "When true, the box keeps one CentralSystemRootCertificate (and a temporary fallback); a new one replaces it and must be signed by it."},
	{Key: "AuthorizationKey", Type: "string", WriteOnly: true, Description: "The HTTP Basic authentication password of security profiles 1 and 2 (16 to 40 characters)."},
	{Key: "CertificateSignedMaxChainSize", Type: "integer", Readonly: true, Description: "The longest certificateChain, in characters, the box accepts in CertificateSigned (at most 10000)."},
	{Key: "CertificateStoreMaxLength", Type: "integer", Readonly: true, Description: "How many certificates of each type the box can store."},
	{Key: "CpoName", Type: "string", Description: "The CPO's name, the organizationName (O) of the box's certificate."},
	{Key: "SecurityProfile", Type: "integer", Description: "The security profile in use: 0 none, 1 Basic authentication, 2 TLS with Basic authentication, 3 TLS with client certificates; it may only be raised."},
}

// LookupConfigurationKey returns the description of a security extension configuration key.
func LookupConfigurationKey(key string) (ConfigurationKey, bool) {
	for _, k := range SecurityConfigurationKeys {
		if k.Key == key {
			return k, true
		}
	}
	return ConfigurationKey{}, false
}
