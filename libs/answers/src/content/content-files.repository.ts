import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompanyProfile } from '../answers.types';
import { parseSuperseded, SupersededVariants } from './shipped-history';

/** Next to `templates.json`: the variant sets earlier versions shipped (see shipped-history.ts). */
export const SUPERSEDED_TEMPLATES_FILE = 'templates.previous.json';

/** Reads the shipped default content (`content/`): templates, articles and the company profile. */
@Injectable()
export class ContentFilesRepository {
  constructor(private readonly dir: string = 'content') {}

  readTemplates(): unknown[] {
    return this.readArray('templates.json');
  }

  readArticles(): unknown[] {
    return this.readArray('articles.json');
  }

  /** The hashes of variant sets earlier versions shipped; none when the folder has no such file (own content). */
  readSupersededTemplates(): SupersededVariants {
    const path = join(this.dir, SUPERSEDED_TEMPLATES_FILE);
    if (!existsSync(path)) return {};
    return parseSuperseded(JSON.parse(readFileSync(path, 'utf8')), path);
  }

  private readArray(name: string): unknown[] {
    const data: unknown = JSON.parse(readFileSync(join(this.dir, name), 'utf8'));
    if (!Array.isArray(data)) throw new Error(`${join(this.dir, name)} is not a JSON array`);
    return data;
  }
}

/**
 * Loads a company profile (flat JSON object of strings). A missing or malformed file is a configuration error the
 * server reports at boot, so it throws with the path in the message.
 */
export function loadCompanyProfile(path: string): CompanyProfile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read company profile ${path}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`Company profile ${path} must be a JSON object`);
  const out: CompanyProfile = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string') throw new Error(`Company profile ${path}: "${k}" must be a string`);
    out[k] = v;
  }
  return Object.freeze(out);
}
