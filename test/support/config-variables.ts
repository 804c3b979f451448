import { readFileSync } from 'node:fs';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables } from '../../src/config/environment.dto.js';
import { ROOT } from './node-process.js';

/** Every variable the configuration accepts: the DTO's validated properties and the names load-config.ts reads. */
export function acceptedVariables(): Set<string> {
  const dto = getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((m) => m.propertyName);
  const source = readFileSync(`${ROOT}/src/config/load-config.ts`, 'utf8');
  const read = [...source.matchAll(/\b(?:dto|env)\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]);
  return new Set([...dto, ...read]);
}
