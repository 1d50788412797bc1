/** What the organization API answers (OpenAI's shapes; org-api.ts). */

export interface Project {
  readonly id: string;
  readonly object: 'organization.project';
  readonly name: string;
  readonly created_at: number;
  readonly archived_at: number | null;
  readonly status: 'active' | 'archived';
}

export interface ApiKey {
  readonly object: 'organization.project.api_key';
  readonly id: string;
  readonly name: string;
  readonly redacted_value: string;
  readonly created_at: number;
  readonly last_used_at: number | null;
  readonly project_id: string;
  readonly revoked_at: number | null;
  /** Who made it; null: unknown (made before makers were recorded). */
  readonly owner: { readonly type: 'user'; readonly user: { readonly id: string; readonly email: string } } | null;
}

export interface OrgList<T> {
  readonly object: 'list';
  readonly data: T[];
}

export interface Bucket<R> {
  readonly start_time: number;
  readonly end_time: number;
  readonly results: R[];
}

export interface CostResult {
  readonly amount: { readonly value: number; readonly currency: string };
  readonly line_item: string | null;
  readonly project_id: string | null;
  readonly api_key_id?: string | null;
}

export interface UsageResult {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly num_model_requests: number;
  readonly model: string | null;
  readonly api_key_id: string | null;
  readonly project_id: string | null;
}
