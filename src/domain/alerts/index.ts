/**
 * The alert of one township (预警 or a response call-out), as a pure state machine, split by
 * concern: model (types and builders), transitions (open, raise, lower, declare, resolve),
 * answers (叫应 and 到岗), escalation (what a missed deadline does; 立即升级 in escalateNow), timers, geo.
 */
export * from './model.js';
export * from './transitions.js';
export * from './answers.js';
export * from './escalation.js';
export * from './timers.js';
export * from './geo.js';
export * from './arrival.js';
export * from './escalateNow.js';
