import { OperatorSessionStore } from '../../platform/identity/operator-sessions.ts';
import { installOperatorKeys } from '../identity/operator-keys.ts';

/** The operator console's sessions, kept by the issuer beside the operator keys they are made from (migrations.ts). */
export const operatorSessions = new OperatorSessionStore({ table: 'issuer_operator_sessions' }, installOperatorKeys);
