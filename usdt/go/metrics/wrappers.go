// SPDX-License-Identifier: Apache-2.0

package metrics

// wrappers.go: the seed's per-component wrappers, thin forwarders to the
// Collector that InitializeMetrics created. A wrapper takes the collector
// when it is made: one made before InitializeMetrics holds none and does
// nothing, as in the seed.
//
// Where the Collector method keeps no state, the wrapper fires the probe
// itself (what the method does): one call level less lets Go inline the
// whole untraced path, a load and a branch, into the caller.

// AMSTMetricsWrapper records AMST (adaptive multi-stream transport) events.
type AMSTMetricsWrapper struct{ collector *Collector }

// NewAMSTMetricsWrapper returns a wrapper around GetCollector().
func NewAMSTMetricsWrapper() *AMSTMetricsWrapper { return &AMSTMetricsWrapper{GetCollector()} }

// OnStreamStart calls Collector.StartStream.
func (w *AMSTMetricsWrapper) OnStreamStart(streamID string) {
	if w.collector != nil {
		w.collector.StartStream(streamID)
	}
}

// OnStreamEnd calls Collector.EndStream.
func (w *AMSTMetricsWrapper) OnStreamEnd(streamID string) {
	if w.collector != nil {
		w.collector.EndStream(streamID)
	}
}

// OnStreamData calls Collector.RecordStreamData.
func (w *AMSTMetricsWrapper) OnStreamData(streamID string, bytesSent, bytesReceived int64) {
	if w.collector != nil {
		fireStreamData(streamID, bytesSent, bytesReceived)
	}
}

// OnStreamError calls Collector.RecordStreamError.
func (w *AMSTMetricsWrapper) OnStreamError(streamID, errorType string) {
	if w.collector != nil {
		w.collector.RecordStreamError(streamID, errorType)
	}
}

// OnBandwidthUpdate calls Collector.UpdateBandwidthUtilization.
func (w *AMSTMetricsWrapper) OnBandwidthUpdate(used, available int64) {
	if w.collector != nil {
		w.collector.UpdateBandwidthUtilization(used, available)
	}
}

// HDEMetricsWrapper records HDE (hierarchical delta encoding) events.
type HDEMetricsWrapper struct{ collector *Collector }

// NewHDEMetricsWrapper returns a wrapper around GetCollector().
func NewHDEMetricsWrapper() *HDEMetricsWrapper { return &HDEMetricsWrapper{GetCollector()} }

// OnCompressionComplete calls Collector.RecordCompressionOperation.
func (w *HDEMetricsWrapper) OnCompressionComplete(dataType string, originalBytes, compressedBytes int64, deltaHit bool) {
	if w.collector != nil {
		w.collector.RecordCompressionOperation(dataType, originalBytes, compressedBytes, deltaHit)
	}
}

// OnDecompressionComplete calls Collector.RecordDecompressionOperation.
func (w *HDEMetricsWrapper) OnDecompressionComplete(success bool) {
	if w.collector != nil {
		fireDecompress(success)
	}
}

// OnBaselineUpdate calls Collector.UpdateBaselineCount.
func (w *HDEMetricsWrapper) OnBaselineUpdate(baselineType string, count int) {
	if w.collector != nil {
		w.collector.UpdateBaselineCount(baselineType, count)
	}
}

// OnDictionaryUpdate calls Collector.UpdateDictionaryEfficiency; efficiency
// is in percent (75.0 for 75 %).
func (w *HDEMetricsWrapper) OnDictionaryUpdate(efficiency float64) {
	if w.collector != nil {
		w.collector.UpdateDictionaryEfficiency(efficiency)
	}
}

// MigrationMetricsWrapper records VM migration events.
type MigrationMetricsWrapper struct{ collector *Collector }

// NewMigrationMetricsWrapper returns a wrapper around GetCollector().
func NewMigrationMetricsWrapper() *MigrationMetricsWrapper {
	return &MigrationMetricsWrapper{GetCollector()}
}

// OnMigrationStart calls Collector.StartMigration.
func (w *MigrationMetricsWrapper) OnMigrationStart(migrationID string) {
	if w.collector != nil {
		fireMigrationStart(migrationID, "", false)
	}
}

// OnMigrationComplete calls Collector.EndMigration.
func (w *MigrationMetricsWrapper) OnMigrationComplete(migrationID, destNode string, dwcpEnabled bool) {
	if w.collector != nil {
		fireMigrationDone(migrationID, destNode, dwcpEnabled, true)
	}
}

// OnSpeedupCalculated calls Collector.UpdateSpeedupFactor.
func (w *MigrationMetricsWrapper) OnSpeedupCalculated(vmType string, speedupFactor float64) {
	if w.collector != nil {
		w.collector.UpdateSpeedupFactor(vmType, speedupFactor)
	}
}

// SystemMetricsWrapper records component health and feature flags.
type SystemMetricsWrapper struct{ collector *Collector }

// NewSystemMetricsWrapper returns a wrapper around GetCollector().
func NewSystemMetricsWrapper() *SystemMetricsWrapper { return &SystemMetricsWrapper{GetCollector()} }

// OnComponentHealthChange calls Collector.UpdateComponentHealth.
func (w *SystemMetricsWrapper) OnComponentHealthChange(component string, status HealthStatus) {
	if w.collector != nil {
		w.collector.UpdateComponentHealth(component, status)
	}
}

// OnFeatureToggle calls Collector.UpdateFeatureStatus.
func (w *SystemMetricsWrapper) OnFeatureToggle(feature string, enabled bool) {
	if w.collector != nil {
		w.collector.UpdateFeatureStatus(feature, enabled)
	}
}
