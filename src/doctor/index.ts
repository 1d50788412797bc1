/**
 * The doctor's public surface. Parties implement its ports (ports.ts) and
 * billing its resolver (billing-resolver.ts), importing their types from
 * here; the program builds it with `doctorModule` (or `startDoctor`).
 */
export type { AcquirerRecords, DoctorPorts, IssuerRecords, NetworkRecords, TestBankRecords } from './ports.ts';
export type { AcquirerDisputeRecord, IssuerDisputeRecord, NetworkDisputeMessageRecord } from './dispute-records.ts';
export type { CardSummary, IssuerCardRecord, PaymentIntentSummary, PaymentMethodSummary, SetupIntentSummary, TimeWindow } from './port-records.ts';
export type { BillingAttemptResolution, BillingAttemptResolver, BillingAutoRechargeState, BillingContextLine } from './billing-resolver.ts';
export type { Lang } from './catalogue-types.ts';
export type { AuthorizationCount, RecordPosition } from './decline-stats-records.ts';
export type { Trace } from './trace-types.ts';
export { Doctor, type DoctorOptions } from './doctor.ts';
export { startDoctor, type DoctorStartInput, type StartedDoctor } from './doctor-start.ts';
export { doctorModule, type DoctorApi, type DoctorModuleDeps } from './module.ts';
export { isLang, isView, type Principal, type View } from './views.ts';
export { renderTrace } from './render-text.ts';
export { renderDisputeTrace } from './render-dispute.ts';
export { isDisputeId } from './dispute-trace.ts';
export { type TraceAttempt } from './trace-types.ts';
export { readerTime, relativeTime } from './reader-time.ts';
