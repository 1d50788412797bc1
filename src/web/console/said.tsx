import type { ApiErrorBody } from '../shared/http.ts';
import { Said as SaidIn, useMessage as useMessageIn, type Say as SayIn, type Shown as ShownIn } from '../shared/said.tsx';
import { errorWording, type T } from './strings.ts';

export function refusal(answer: { readonly status: number; readonly error: ApiErrorBody | null }): Say {
  return (t) => errorWording(t, answer.status, answer.error);
}

/** This page's message: how to say it in its strings (../shared/said.tsx). */
export type Say = SayIn<T>;
export type Shown = ShownIn<T>;
export const useMessage = () => useMessageIn<T>();
export const Said = SaidIn<T>;
