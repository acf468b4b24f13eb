/** Structured logs (pino). Never personal data or geometry: request bodies are not logged at all,
 *  and known personal or geometry fields are redacted wherever they appear in a logged object. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'parties',
  '*.parties',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'geometry',
  '*.geometry',
  'site',
  '*.site',
  'coordinates',
  '*.coordinates',
  'body',
  '*.body',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'redline' } },
    destination as never,
  );
}
