/**
 * Planning statistics (pure): the PS1 and PS2 quarterly returns and the designation measures, computed from the
 * cases as recorded. Rules and their sources: ./RULES.md (from ../shared/rules/planning-rules.md §6).
 */
export * from './types.ts';
export * from './periods.ts';
export * from './ps2.ts';
export * from './ps1.ts';
export * from './designation.ts';
