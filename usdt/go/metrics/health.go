// SPDX-License-Identifier: Apache-2.0

package metrics

// HealthStatus is a DWCP component's health, as the health probe and the
// dwcp_system_component_health gauge carry it (0 down, 1 degraded, 2 healthy).
type HealthStatus int

// The health states, with the seed's values.
const (
	// HealthDown: the component does not work.
	HealthDown HealthStatus = iota
	// HealthDegraded: the component works with reduced service.
	HealthDegraded
	// HealthHealthy: the component works normally.
	HealthHealthy
)

// String returns "down", "degraded", "healthy", or "HealthStatus(n)".
func (s HealthStatus) String() string {
	switch s {
	case HealthDown:
		return "down"
	case HealthDegraded:
		return "degraded"
	case HealthHealthy:
		return "healthy"
	}
	return "HealthStatus(" + itoa(int64(s)) + ")"
}
