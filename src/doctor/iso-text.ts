import { ISO_RESPONSE_CODES, isIsoResponseCode } from '../network/messages.ts';
import type { Lang } from './catalogue-types.ts';

/** What an ISO 8583 response code means, in the asked language (English from messages.ts, the network's own table). */
const ZH: Readonly<Record<keyof typeof ISO_RESPONSE_CODES, string>> = {
  '00': '批准',
  '03': '无效商户',
  '04': '没收卡',
  '05': '拒绝承兑',
  '12': '无效交易',
  '13': '无效金额',
  '14': '无效卡号',
  '15': '无此发卡行',
  '41': '挂失卡',
  '43': '被盗卡',
  '51': '资金不足',
  '54': '过期卡',
  '57': '不允许持卡人进行此交易',
  '59': '疑似欺诈',
  '61': '超出金额限制',
  '62': '受限卡',
  '65': '超出次数限制',
  '91': '发卡行或交换系统不可用',
  '93': '违法，交易无法完成',
  '94': '重复报文',
  '96': '系统故障',
  N7: 'CVV2 不符',
  '1A': '需要持卡人额外验证（3-D Secure）',
};

export function isoMeaning(code: string, lang: Lang): string {
  if (!isIsoResponseCode(code)) return code;
  return lang === 'en' ? ISO_RESPONSE_CODES[code] : ZH[code];
}
