/**
 * Fault injection and call metering at the wire, for the local twin (issue 7, §2 and §3).
 *
 * One proxy per service sits between the handlers' SDK clients (pointed at it by `AWS_ENDPOINT_URL_*`) and the
 * emulator. All proxies share one `FaultRegistry` (filled by `POST /_local/faults`) and one `AwsCallMeter`.
 * The clients take the proxy only for the operations a fault rule names; every other call is metered in the
 * client's own request handler and goes straight to the emulator (`direct.ts`).
 */
export { type DirectRouteOptions, routeAroundProxy, type SdkClientLike } from './direct.ts';
export {
  AwsCallMeter,
  type CallOutcome,
  ConsumedCapacityMeter,
  type ConsumedUnits,
  type InvocationCount,
  InvocationMeter,
  meterConsumedCapacity,
  type OperationCount,
} from './meter.ts';
export { type AwsProxy, type AwsProxyOptions, startAwsProxy } from './proxy.ts';
export {
  applyFaultsControl,
  type ControlResult,
  clearFaultsControl,
  FAULTABLE_OPERATIONS,
  type FaultDecision,
  type FaultEffect,
  FaultRegistry,
  type FaultRule,
  FaultRuleSchema,
  type FaultRuleState,
} from './rules.ts';
export { type AwsService, FAULT_ERRORS, mayWriteTable } from './wire.ts';
