/**
 * What a training process proves in the auth handshake (@seqtrain/common auth-handshake) on its control
 * connection: its role and the control protocol it speaks, so a peer of another PROTOCOL_VERSION is
 * refused with ERR_PROTOCOL_VERSION before any message is exchanged.
 */
import { PROTOCOL_VERSION } from './protocol.js';

export const CONTROL_AUTH = { role: 'trainer', protocol: `control/${PROTOCOL_VERSION}` } as const;
