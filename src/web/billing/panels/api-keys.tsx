import { useMemo, useRef, useState } from 'preact/hooks';
import { dateTime } from '../../shared/format.ts';
import { ConfirmDialog, Message, type Tone } from '../../shared/ui.tsx';
import { useBilling } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { orgApi } from '../org-api.ts';
import type { ApiKey, Project } from '../org-types.ts';
import { useKeysDirectory } from './keys-directory.ts';
import { StackedHead } from './stacked-head.tsx';
import { usageText, type UsageT } from './usage-strings.ts';

/**
 * The organization's API keys by project: an owner creates a key (named, in
 * a project; its secret is shown once, here, and never again), renames or
 * revokes one, and adds projects; a member looks. The secret is only ever in
 * this component's state until "Done": never stored in the browser.
 */

const MAX_NAME = 100;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function ApiKeysPanel() {
  const { lang, canChange, refresh } = useBilling();
  const u = useMemo(() => usageText(lang), [lang]);
  const directory = useKeysDirectory();
  const { busy, run } = useBusy();
  const [said, setSaid] = useState<{ tone: Tone; say: (u: UsageT) => string } | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keyName = useRef<HTMLInputElement>(null);
  const keyProject = useRef<HTMLSelectElement>(null);
  const projectName = useRef<HTMLInputElement>(null);
  const newName = useRef<HTMLInputElement>(null);
  const live = (directory?.keys ?? []).filter((k) => k.revoked_at === null);
  const projectOf = (id: string) => directory?.projects.find((p) => p.id === id)?.name ?? id;
  const named = (ref: typeof keyName) => {
    const name = valueOf(ref).trim();
    return name.length === 0 || [...name].length > MAX_NAME ? null : name;
  };
  // The API's own messages are English only: the page says a refusal in the reader's language (names are checked here first).
  const failed = () => setSaid({ tone: 'error', say: (u) => u('requestFailed') });

  const createKey = () => {
    const name = named(keyName);
    if (name === null) return setSaid({ tone: 'error', say: (u) => u('badName') });
    void run(async () => {
      const answer = await orgApi<ApiKey & { value: string }>('POST', `/projects/${encodeURIComponent(valueOf(keyProject))}/api_keys`, { name });
      if (!answer.ok) return failed();
      setSecret(answer.body.value);
      setSaid({ tone: 'ok', say: (u) => u('keyCreated', { name }) });
      if (keyName.current) keyName.current.value = '';
      refresh();
    });
  };
  const createProject = () => {
    const name = named(projectName);
    if (name === null) return setSaid({ tone: 'error', say: (u) => u('badName') });
    void run(async () => {
      const answer = await orgApi<Project>('POST', '/projects', { name });
      if (!answer.ok) return failed();
      setSaid({ tone: 'ok', say: (u) => u('projectCreated', { name }) });
      if (projectName.current) projectName.current.value = '';
      refresh();
    });
  };
  const rename = (key: ApiKey) => {
    const name = named(newName);
    if (name === null) return setSaid({ tone: 'error', say: (u) => u('badName') });
    void run(async () => {
      const answer = await orgApi<ApiKey>('POST', `/projects/${encodeURIComponent(key.project_id)}/api_keys/${encodeURIComponent(key.id)}`, { name });
      if (!answer.ok) return failed();
      setRenaming(null);
      setSaid({ tone: 'ok', say: (u) => u('renamed', { name }) });
      refresh();
    });
  };
  const revoke = (key: ApiKey) =>
    void run(async () => {
      const answer = await orgApi('DELETE', `/projects/${encodeURIComponent(key.project_id)}/api_keys/${encodeURIComponent(key.id)}`);
      setRevoking(null);
      if (!answer.ok) return failed();
      setSaid({ tone: 'ok', say: (u) => u('revoked', { name: key.name }) });
      refresh();
    });

  return (
    <>
      <p class="note">{u('keysIntro')}</p>
      {secret !== null ? (
        <div id="new-key" class="inline">
          <label for="new-key-value">{u('newSecret')}</label>
          <input id="new-key-value" readOnly value={secret} autoComplete="off" spellcheck={false} onFocus={(e) => (e.target as HTMLInputElement).select()} />
          <button type="button" id="new-key-done" onClick={() => setSecret(null)}>
            {u('done')}
          </button>
        </div>
      ) : null}
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-api-keys-title">
        {/* On a phone each key is a card (table.stacked, billing.css), as in the payment history. */}
        <table id="api-keys-list" class="stacked" role="table">
          <StackedHead labels={[u('colName'), u('colSecret'), u('colProject'), u('colMadeBy'), u('colCreated'), u('colLastUsed'), ...(canChange ? [u('colActions')] : [])]} />
          <tbody role="rowgroup">
            {directory !== null && live.length === 0 ? (
              <tr role="row">
                <td role="cell" colSpan={canChange ? 7 : 6} class="note">
                  {u('noKeys')}
                </td>
              </tr>
            ) : null}
            {live.map((key) => (
              <tr role="row" key={key.id} data-key={key.id}>
                <td role="cell" data-label={u('colName')} class="wide">
                  {renaming?.id === key.id ? (
                    <form class="inline" noValidate onSubmit={onSubmit(() => rename(key))}>
                      <label for="rename-key-name">{u('renameTo', { name: key.name })}</label>
                      <input id="rename-key-name" ref={newName} defaultValue={key.name} maxLength={MAX_NAME} required />
                      <button type="submit" id="rename-key-save" class="primary" disabled={busy}>
                        {u('save')}
                      </button>
                      <button type="button" onClick={() => setRenaming(null)}>
                        {u('cancel')}
                      </button>
                    </form>
                  ) : (
                    key.name
                  )}
                </td>
                <td role="cell" data-label={u('colSecret')}>
                  <code>{key.redacted_value}</code>
                </td>
                <td role="cell" data-label={u('colProject')}>{projectOf(key.project_id)}</td>
                <td role="cell" data-label={u('colMadeBy')} data-maker={key.owner?.user.id ?? 'unknown'}>
                  {key.owner === null ? <em>{u('unknownMaker')}</em> : key.owner.user.email}
                </td>
                <td role="cell" data-label={u('colCreated')}>{dateTime(iso(key.created_at), lang)}</td>
                <td role="cell" data-label={u('colLastUsed')}>{key.last_used_at === null ? u('never') : dateTime(iso(key.last_used_at), lang)}</td>
                {canChange ? (
                  <td role="cell" class="wide actions-cell">
                    <button type="button" data-action="rename-key" disabled={busy} onClick={() => setRenaming(key)}>
                      {u('rename')}
                    </button>{' '}
                    <button type="button" data-action="revoke-key" class="danger" disabled={busy} onClick={() => setRevoking(key)}>
                      {u('revoke')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canChange && directory !== null ? (
        <>
          <form id="create-key-form" class="inline" noValidate onSubmit={onSubmit(createKey)}>
            <label for="create-key-name">{u('keyName')}</label>
            <input id="create-key-name" ref={keyName} autoComplete="off" maxLength={MAX_NAME} required />
            <select id="create-key-project" ref={keyProject} aria-label={u('keyProject')}>
              {directory.projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="submit" id="create-key-submit" class="primary" disabled={busy}>
              {u('createKey')}
            </button>
          </form>
          <form id="create-project-form" class="inline" noValidate onSubmit={onSubmit(createProject)}>
            <label for="create-project-name">{u('projectName')}</label>
            <input id="create-project-name" ref={projectName} autoComplete="off" maxLength={MAX_NAME} required />
            <button type="submit" id="create-project-submit" disabled={busy}>
              {u('createProject')}
            </button>
          </form>
        </>
      ) : null}
      <Message id="api-keys-message" kind={said?.tone ?? ''} text={said ? said.say(u) : null} />
      {revoking !== null ? (
        <ConfirmDialog
          id="revoke-key-dialog"
          title={u('revokeTitle', { name: revoking.name })}
          confirmLabel={u('revoke')}
          cancelLabel={u('cancel')}
          danger
          busy={busy}
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(null)}
        >
          <p>{u('revokeBody', { key: revoking.redacted_value })}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
