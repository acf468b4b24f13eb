/**
 * 5. All together for a case (pure; what GET on a case's publicity returns): the classification, the publicity
 * required, what is still to record, the windows the recorded events open, the earliest decision date and the
 * determination date. Rules file: shared/domain/publicity/RULES.md.
 */
import { classifyDevelopment } from './classification.ts';
import { statutoryDetermination } from './determination.ts';
import { requiredPublicity } from './requirements.ts';
import { KIND_NAME } from './summary.ts';
import type {
  CasePublicity,
  CasePublicityInput,
  Category,
  ConstraintTrigger,
  EventKind,
  OutstandingItem,
  PublicityEvent,
  PublicityKind,
  PublicityOptions,
  PublicityRequirements,
  SciPolicy,
} from './types.ts';
import { representationWindows } from './windows.ts';

/** Event kinds that can meet a requirement kind (copies and notifications are not publicity events). */
const EVENT_FOR: Partial<Record<PublicityKind, EventKind>> = {
  'site-notice': 'site-notice',
  'neighbour-letters': 'neighbour-letters',
  'press-advert': 'press-advert',
  website: 'website',
};

export function publicityFor(
  caseInput: CasePublicityInput,
  constraintTriggers: readonly ConstraintTrigger[],
  events: readonly PublicityEvent[],
  sciPolicy: SciPolicy | null,
  options: PublicityOptions = {},
): CasePublicity {
  const classification = classifyDevelopment(caseInput);
  const category = classification.category;
  const publicity = requiredPublicity(
    {
      applicationType: caseInput.applicationType,
      category,
      ...(caseInput.eia !== undefined ? { eia: caseInput.eia } : {}),
      ...(caseInput.departure !== undefined ? { departure: caseInput.departure } : {}),
      ...(caseInput.publicRightOfWay !== undefined ? { publicRightOfWay: caseInput.publicRightOfWay } : {}),
      ...(caseInput.nearRailway !== undefined ? { nearRailway: caseInput.nearRailway } : {}),
      ...(caseInput.publicServiceInfrastructure !== undefined
        ? { publicServiceInfrastructure: caseInput.publicServiceInfrastructure }
        : {}),
      ...(caseInput.listedBuildingConsent ? { listedBuildingConsent: caseInput.listedBuildingConsent } : {}),
      triggers: constraintTriggers,
    },
    sciPolicy,
  );
  const windows = representationWindows(events, {
    eia: caseInput.eia ?? false,
    heritage: publicity.heritage,
    regime: publicity.regime,
    publicServiceInfrastructure: caseInput.publicServiceInfrastructure ?? false,
    ...(options.letters ? { letters: options.letters } : {}),
    ...(options.bankHolidays ? { bankHolidays: options.bankHolidays } : {}),
    ...(options.holidays ? { holidays: options.holidays } : {}),
  });
  const outstanding = outstandingOf(publicity, events);
  const determination = determinationOf(caseInput, category);
  const reasons = [...classification.reasons];
  if (publicity.row) reasons.push(`Publicity: ${publicity.row.title} (${publicity.row.id}).`);
  reasons.push(windows.because);
  if (outstanding.length)
    reasons.push(
      `Publicity still to record: ${[...new Set(outstanding.map((o) => (o.either ? 'a site notice or neighbour letters' : KIND_NAME[o.kind])))].join(', ')}; the earliest decision date will move when it is done.`,
    );
  if (!determination) reasons.push('No valid date yet: the determination period has not started.');
  return {
    classification,
    publicity,
    outstanding,
    windows,
    earliestDecisionDate: windows.earliestDecisionDate,
    determination,
    reasons,
  };
}

/** Required publicity with no recorded event (an either-group: when none of the group is recorded). */
function outstandingOf(publicity: PublicityRequirements, events: readonly PublicityEvent[]): OutstandingItem[] {
  const recorded = new Set(events.map((e) => e.kind));
  const outstanding: OutstandingItem[] = [];
  for (const s of publicity.summary) {
    const ev = EVENT_FOR[s.kind];
    if (!ev || s.status === 'optional' || recorded.has(ev)) continue;
    if (s.status === 'one-of') {
      const groupDone = publicity.summary.some(
        (o) => o.either === s.either && o !== s && EVENT_FOR[o.kind] && recorded.has(EVENT_FOR[o.kind]!),
      );
      if (groupDone) continue;
      outstanding.push({
        kind: s.kind,
        ...(s.either ? { either: s.either } : {}),
        because: `Neither a site notice nor neighbour letters have been recorded: one of them is required.`,
      });
    } else {
      outstanding.push({ kind: s.kind, because: `${requiredWords(KIND_NAME[s.kind])} and none has been recorded.` });
    }
  }
  return outstanding;
}

function determinationOf(caseInput: CasePublicityInput, category: Category) {
  return caseInput.validDate
    ? statutoryDetermination({
        validDate: caseInput.validDate,
        category,
        applicationType: caseInput.applicationType,
        ...(caseInput.eia !== undefined ? { eia: caseInput.eia } : {}),
        ...(caseInput.publicServiceInfrastructure !== undefined
          ? { publicServiceInfrastructure: caseInput.publicServiceInfrastructure }
          : {}),
        ...(caseInput.extensionsOfTime ? { extensionsOfTime: caseInput.extensionsOfTime } : {}),
      })
    : null;
}

/** "A site notice is required", "Neighbour letters are required" (a plural name takes no article). */
export const requiredWords = (name: string) =>
  name.endsWith('letters') ? `${name.charAt(0).toUpperCase()}${name.slice(1)} are required` : `A ${name} is required`;
