/**
 * Why an identity verification was rejected: a fixed list of codes, so the
 * cardholder is told in their own language what went wrong and what to do
 * next, and rejections can be counted by cause. What the operator adds
 * beyond the code goes in an internal note that the cardholder never sees.
 *
 * Each code says whether a new verification may follow. Two codes are
 * final: a sanctions or watchlist match and an identity already verified on
 * another account (a person has one account). `underage` is final too,
 * until support reopens it.
 *
 * Tipping-off: the cardholder must not learn that they matched a sanctions
 * or watchlist screening (AML rules forbid telling them). Such a rejection
 * reaches the cardholder as `not_eligible`, with neutral words, never as its
 * own code; only operators see the real one.
 */

export const KYC_REJECTION_REASONS = [
  'document_unreadable',
  'document_expired',
  'document_type_unsupported',
  'name_mismatch',
  'date_of_birth_mismatch',
  'selfie_mismatch',
  'underage',
  'sanctions_or_watchlist_match',
  'duplicate_identity',
  'other',
] as const;

export type KycRejectionReason = (typeof KYC_REJECTION_REASONS)[number];

/** The code a cardholder sees: the reason itself, except a screening match. */
export type CardholderKycReason = Exclude<KycRejectionReason, 'sanctions_or_watchlist_match'> | 'not_eligible';

export interface KycText {
  readonly zh: string;
  readonly en: string;
}

export interface KycRejectionEntry {
  /** What the operator's console calls the reason. */
  readonly title: KycText;
  /** Whether the cardholder may start a new verification after this rejection. */
  readonly canResubmit: boolean;
  readonly cardholderCode: CardholderKycReason;
  /** What happened, for the cardholder. */
  readonly explanation: KycText;
  /** What they can do now: resubmit with what, or (when they cannot) whom to contact. */
  readonly nextStep: KycText;
}

const CATALOGUE: Readonly<Record<KycRejectionReason, KycRejectionEntry>> = {
  document_unreadable: {
    title: { en: 'Document unreadable', zh: '证件无法识别' },
    canResubmit: true,
    cardholderCode: 'document_unreadable',
    explanation: { en: 'The photo of your ID document could not be read; it may be blurred, too dark, cut off or covered by glare.', zh: '你的证件照片无法识别，可能模糊、太暗、拍摄不完整或有反光。' },
    nextStep: { en: 'Verify again with a sharp photo of the whole document, all four corners in the frame, in even light and without glare.', zh: '请重新认证，并拍摄清晰完整的证件照片，四个角都在画面内，光线均匀、无反光。' },
  },
  document_expired: {
    title: { en: 'Document expired', zh: '证件已过期' },
    canResubmit: true,
    cardholderCode: 'document_expired',
    explanation: { en: 'The ID document you used has expired.', zh: '你使用的证件已过有效期。' },
    nextStep: { en: 'Verify again with an ID document that is still valid (check its expiry date first).', zh: '请使用仍在有效期内的证件重新认证（请先核对证件的有效期限）。' },
  },
  document_type_unsupported: {
    title: { en: 'Document type not accepted', zh: '证件类型不受支持' },
    canResubmit: true,
    cardholderCode: 'document_type_unsupported',
    explanation: { en: 'This type of document cannot be used for identity verification.', zh: '此类证件不能用于实名认证。' },
    nextStep: { en: 'Verify again with a national identity card or a passport.', zh: '请使用身份证或护照重新认证。' },
  },
  name_mismatch: {
    title: { en: 'Name does not match', zh: '姓名不一致' },
    canResubmit: true,
    cardholderCode: 'name_mismatch',
    explanation: { en: 'The name on your ID document does not match the name given for this account.', zh: '证件上的姓名与本账户登记的姓名不一致。' },
    nextStep: {
      en: 'Verify again with your own document and your name exactly as printed on it. If your name has changed, use a document that shows your current name.',
      zh: '请使用你本人的证件重新认证，姓名须与证件上印的完全一致。如果你改过名，请使用印有现用名的证件。',
    },
  },
  date_of_birth_mismatch: {
    title: { en: 'Date of birth does not match', zh: '出生日期不一致' },
    canResubmit: true,
    cardholderCode: 'date_of_birth_mismatch',
    explanation: { en: 'The date of birth on your ID document does not match the one given for this account.', zh: '证件上的出生日期与本账户登记的出生日期不一致。' },
    nextStep: { en: 'Verify again and give your date of birth exactly as printed on your document.', zh: '请重新认证，并按证件上印的出生日期如实填写。' },
  },
  selfie_mismatch: {
    title: { en: 'Face does not match the document', zh: '人脸与证件不符' },
    canResubmit: true,
    cardholderCode: 'selfie_mismatch',
    explanation: { en: 'The face scan did not match the photo on your ID document.', zh: '刷脸结果与证件照片不符。' },
    nextStep: {
      en: 'Do the face scan again yourself, in good light, facing the camera, without a hat, mask or sunglasses. Only the account holder can verify.',
      zh: '请本人重新刷脸，光线要充足，正对镜头，不戴帽子、口罩或墨镜。只能由账户本人完成认证。',
    },
  },
  underage: {
    title: { en: 'Under 18', zh: '未满 18 周岁' },
    canResubmit: false,
    cardholderCode: 'underage',
    explanation: { en: 'Cards are only for people aged 18 or over, and your document shows you are younger.', zh: '只有年满 18 周岁的人才能开卡，你的证件显示你未满 18 周岁。' },
    nextStep: {
      en: 'You cannot verify again before you turn 18. After your 18th birthday, contact Cardlane customer support to reopen your verification.',
      zh: '年满 18 周岁之前不能再次认证。满 18 周岁后，请联系 Cardlane 客服重新开放认证。',
    },
  },
  sanctions_or_watchlist_match: {
    title: { en: 'Sanctions or watchlist match', zh: '命中制裁或观察名单' },
    canResubmit: false,
    // Neutral on purpose (tipping-off, above): the same words whatever the screening found.
    cardholderCode: 'not_eligible',
    explanation: { en: 'After reviewing your verification, we cannot offer you a card.', zh: '经审核，我们无法为你提供开卡服务。' },
    nextStep: { en: 'Verifying again will not change this decision. If you have questions, contact Cardlane customer support.', zh: '重新认证不会改变此结果。如有疑问，请联系 Cardlane 客服。' },
  },
  duplicate_identity: {
    title: { en: 'Identity already verified on another account', zh: '身份已在其他账户认证' },
    canResubmit: false,
    cardholderCode: 'duplicate_identity',
    explanation: { en: 'This identity is already verified on another Cardlane account, and each person may have only one.', zh: '此身份已在另一个 Cardlane 账户完成认证，每人只能有一个账户。' },
    nextStep: {
      en: 'Sign in with the phone number of the account you already verified. If you do not recognise that account, contact Cardlane customer support.',
      zh: '请用已认证账户的手机号登录。如果你不认识那个账户，请联系 Cardlane 客服。',
    },
  },
  other: {
    title: { en: 'Other (say why in the internal note)', zh: '其他原因（请在内部备注中说明）' },
    canResubmit: true,
    cardholderCode: 'other',
    explanation: { en: 'Your verification could not be completed.', zh: '你的认证未能完成。' },
    nextStep: {
      en: 'Verify again with a valid ID document, clearly photographed, and do the face scan yourself. If it is refused again, contact Cardlane customer support.',
      zh: '请使用有效证件重新认证，证件照片须清晰，并由本人完成刷脸。如果再次未通过，请联系 Cardlane 客服。',
    },
  },
};

export function isKycRejectionReason(value: unknown): value is KycRejectionReason {
  return typeof value === 'string' && Object.hasOwn(CATALOGUE, value);
}

export function kycRejectionEntry(reason: KycRejectionReason): KycRejectionEntry {
  return CATALOGUE[reason];
}

/**
 * A stored reason as a code. Rejections from before the codes kept the
 * operator's free text and read as `other` (migrations.ts); so does a value
 * this version does not know (a code added by a newer process during a
 * rolling deploy), rather than failing the read.
 */
export function storedKycReason(value: string | null): KycRejectionReason {
  return isKycRejectionReason(value) ? value : 'other';
}

/** What the cardholder is told about a rejection. `legacyText`: the free text of a rejection from before the codes, shown as it was. */
export function cardholderRejection(reason: KycRejectionReason, legacyText: string | null) {
  const entry = CATALOGUE[reason];
  const explanation = legacyText === null ? entry.explanation : { zh: legacyText, en: legacyText };
  return { code: entry.cardholderCode, canResubmit: entry.canResubmit, explanation, nextStep: entry.nextStep };
}
