import { plainToInstance } from 'class-transformer';
import { IsOptional, validateSync } from 'class-validator';
import { CreateInviteDto, CreateMeshDto, CreateTokenDto, ListMeshesQueryDto, SignupDto, UpdateMemberDto } from '../index';
import { EmptyBodyDto } from './page';
import { codePointLength, dtoJsonSchema, IsTrimmedString } from './index';

const check = <T extends object>(cls: new () => T, plain: object) => {
  const obj = plainToInstance(cls, plain);
  const errors = validateSync(obj, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return { obj, fields: errors.map((e) => e.property), messages: errors.flatMap((e) => Object.values(e.constraints ?? {})) };
};

describe('shared DTO validators', () => {
  it('an omittable field may be left out, but null is a wrong type; the schema marks it optional, not nullable', () => {
    expect(check(CreateInviteDto, {}).fields).toEqual([]);
    expect(check(CreateInviteDto, { maxUses: null, role: null, email: null }).fields).toEqual(['role', 'maxUses', 'email']);
    expect(check(UpdateMemberDto, { linkEmail: null }).fields).toEqual([]); // the one nullable field of that DTO
    const schema = dtoJsonSchema(CreateInviteDto);
    expect([schema.required, schema.properties?.['maxUses'].nullable, dtoJsonSchema(UpdateMemberDto).properties?.['linkEmail'].nullable]).toEqual([undefined, undefined, true]);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('🚀🚀')).toBe(2);
    expect(check(CreateMeshDto, { name: '🚀'.repeat(80) }).fields).toEqual([]);
    expect(check(CreateMeshDto, { name: '🚀'.repeat(81) }).fields).toEqual(['name']);
  });

  it('trims strings but never passwords; refuses control characters and lone surrogates', () => {
    const ok = check(SignupDto, { email: ' A@Example.COM ', password: ' spaced password ', displayName: '  Dana  ' });
    expect(ok.fields).toEqual([]);
    expect(ok.obj).toMatchObject({ email: 'a@example.com', password: ' spaced password ', displayName: 'Dana' });
    expect(check(CreateMeshDto, { name: 'a\u0000b' }).messages).toEqual(['name must not contain control characters']);
    // C1 controls count too (U+009B is a terminal CSI); U+00A0 (a no-break space) is not a control character.
    expect(check(CreateMeshDto, { name: 'a\u009bb' }).messages).toEqual(['name must not contain control characters']);
    expect(check(CreateMeshDto, { name: 'a\u0085b' }).messages).toEqual(['name must not contain control characters']);
    expect(check(CreateMeshDto, { name: 'a\u00a0b' }).messages).toEqual([]);
    expect(check(CreateMeshDto, { name: 'a\u007fb' }).fields).toEqual(['name']);
    expect(check(CreateMeshDto, { name: 'a\ud800b' }).messages).toEqual(['name must be valid UTF-8 text']);
    expect(check(CreateMeshDto, { name: '   ' }).messages).toEqual(['name must be 1 to 80 characters long']);
  });

  it('never coerces body numbers; query integers must be decimal digits', () => {
    expect(check(CreateTokenDto, { name: 'x', expiresInDays: '5' }).messages).toEqual(['expiresInDays must be an integer from 1 to 365']);
    expect(check(CreateTokenDto, { name: 'x', expiresInDays: null }).fields).toEqual([]);
    expect(check(ListMeshesQueryDto, { limit: '20' }).obj.limit).toBe(20);
    for (const limit of ['+5', '5.0', ' 5', '0x5', '', '0', '201']) expect(check(ListMeshesQueryDto, { limit }).fields).toEqual(['limit']);
    expect(check(ListMeshesQueryDto, { archived: 'true' }).obj.archived).toBe(true);
    expect(check(ListMeshesQueryDto, { archived: '1' }).fields).toEqual(['archived']);
  });

  it('refuses unknown fields, also on bodies that take none', () => {
    expect(check(CreateMeshDto, { name: 'x', slug: 'y' }).fields).toEqual(['slug']);
    expect(check(EmptyBodyDto, {}).fields).toEqual([]);
    expect(check(EmptyBodyDto, { a: 1 }).fields).toEqual(['a']);
    expect(check(UpdateMemberDto, { linkEmail: null }).fields).toEqual([]);
    expect(check(UpdateMemberDto, { role: 'owner' }).messages).toEqual(['role must be one of: admin, member']);
  });

  it('dtoJsonSchema describes the DTO for OpenAPI', () => {
    class Probe {
      @IsTrimmedString({ min: 2, max: 9 })
      a!: string;
      @IsOptional()
      @IsTrimmedString({ max: 3 })
      b?: string;
    }
    expect(dtoJsonSchema(Probe)).toEqual({
      type: 'object',
      properties: { a: { type: 'string', minLength: 2, maxLength: 9 }, b: { type: 'string', minLength: 1, maxLength: 3 } },
      required: ['a'],
      additionalProperties: false,
    });
    expect(dtoJsonSchema(EmptyBodyDto)).toEqual({ type: 'object', properties: {}, additionalProperties: false });
  });
});

describe('email addresses', () => {
  it('accepts ordinary addresses and refuses non-ASCII local parts and junk', () => {
    expect(check(SignupDto, { email: "o'brien+tag@mail.example.co.uk", password: 'x'.repeat(10), displayName: 'x' }).fields).toEqual([]);
    for (const email of ['İstanbul@example.com', 'a b@example.com', 'a@b', 'a@-b.com', '@example.com', 'a@@example.com']) {
      expect(check(SignupDto, { email, password: 'x'.repeat(10), displayName: 'x' }).fields).toEqual(['email']);
    }
  });
});
