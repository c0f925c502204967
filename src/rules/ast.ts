/** The parsed rule. Offsets are 0-based code-unit offsets into the rule text, for error carets. */
export type BinaryOp = 'and' | 'or' | 'implies' | 'follows' | 'equiv' | 'nequiv';

export interface Constant {
  readonly type: 'const';
  readonly value: boolean;
}
export interface Ident {
  readonly type: 'ident';
  readonly name: string;
  readonly offset: number;
}
export interface Not {
  readonly type: 'not';
  readonly operand: Expr;
}
export interface Binary {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
export type Expr = Constant | Ident | Not | Binary;

export const constant = (value: boolean): Constant => ({ type: 'const', value });
export const ident = (name: string, offset: number): Ident => ({ type: 'ident', name, offset });
export const not = (operand: Expr): Not => ({ type: 'not', operand });
export const binary = (op: BinaryOp, left: Expr, right: Expr): Binary => ({
  type: 'binary',
  op,
  left,
  right,
});
