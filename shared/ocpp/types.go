package ocpp

// Classes shared by several PDUs (OCPP 1.6 specification, section 7). Struct tags drive
// validation: json gives the exact OCPP name, ocpp the constraints (see check.go):
// required, max=N (CiString length in characters), min=N (integer minimum),
// minItems=N (array cardinality), frac=N (decimal fraction digits), uri (anyURI).

// IDTagInfo is the authorization status of an identifier (IdTagInfo).
type IDTagInfo struct {
	ExpiryDate  *DateTime           `json:"expiryDate,omitempty"`
	ParentIDTag string              `json:"parentIdTag,omitempty" ocpp:"max=20"`
	Status      AuthorizationStatus `json:"status" ocpp:"required"`
}

// MeterValue is a set of samples taken at one point in time.
type MeterValue struct {
	Timestamp    DateTime       `json:"timestamp" ocpp:"required"`
	SampledValue []SampledValue `json:"sampledValue" ocpp:"required,minItems=1"`
}

// SampledValue is one sample of a MeterValue. Value is a decimal as text, or signed data
// when Format is SignedData.
type SampledValue struct {
	Value     string         `json:"value" ocpp:"required"`
	Context   ReadingContext `json:"context,omitempty"`
	Format    ValueFormat    `json:"format,omitempty"`
	Measurand Measurand      `json:"measurand,omitempty"`
	Phase     Phase          `json:"phase,omitempty"`
	Location  Location       `json:"location,omitempty"`
	Unit      UnitOfMeasure  `json:"unit,omitempty"`
}

// ChargingProfile is a charging profile (csChargingProfiles, chargingProfile).
type ChargingProfile struct {
	ChargingProfileID      int                        `json:"chargingProfileId" ocpp:"required"`
	TransactionID          *int                       `json:"transactionId,omitempty"`
	StackLevel             int                        `json:"stackLevel" ocpp:"required,min=0"`
	ChargingProfilePurpose ChargingProfilePurposeType `json:"chargingProfilePurpose" ocpp:"required"`
	ChargingProfileKind    ChargingProfileKindType    `json:"chargingProfileKind" ocpp:"required"`
	RecurrencyKind         RecurrencyKindType         `json:"recurrencyKind,omitempty"`
	ValidFrom              *DateTime                  `json:"validFrom,omitempty"`
	ValidTo                *DateTime                  `json:"validTo,omitempty"`
	ChargingSchedule       ChargingSchedule           `json:"chargingSchedule" ocpp:"required"`
}

// ChargingSchedule is the schedule of a ChargingProfile or a composite schedule.
type ChargingSchedule struct {
	Duration               *int                     `json:"duration,omitempty"`
	StartSchedule          *DateTime                `json:"startSchedule,omitempty"`
	ChargingRateUnit       ChargingRateUnitType     `json:"chargingRateUnit" ocpp:"required"`
	ChargingSchedulePeriod []ChargingSchedulePeriod `json:"chargingSchedulePeriod" ocpp:"required,minItems=1"`
	MinChargingRate        *float64                 `json:"minChargingRate,omitempty" ocpp:"frac=1"`
}

// ChargingSchedulePeriod is one period of a ChargingSchedule. Limit accepts at most one
// fraction digit (schema: multipleOf 0.1).
type ChargingSchedulePeriod struct {
	StartPeriod  int     `json:"startPeriod" ocpp:"required"`
	Limit        float64 `json:"limit" ocpp:"required,frac=1"`
	NumberPhases *int    `json:"numberPhases,omitempty"`
}

// KeyValue is one configuration key in a GetConfiguration response. Value is a pointer because
// an empty value is a value.
type KeyValue struct {
	Key      string  `json:"key" ocpp:"required,max=50"`
	Readonly bool    `json:"readonly" ocpp:"required"`
	Value    *string `json:"value,omitempty" ocpp:"max=500"`
}

// AuthorizationData is one entry of a SendLocalList.
type AuthorizationData struct {
	IDTag     string     `json:"idTag" ocpp:"required,max=20"`
	IDTagInfo *IDTagInfo `json:"idTagInfo,omitempty"`
}
