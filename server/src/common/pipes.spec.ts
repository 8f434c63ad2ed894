import 'reflect-metadata';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { AppError } from '@claudemesh/shared/errors';
import { AppValidationPipe, IdParamPipe } from './pipes';

class SampleDto {
  @IsString({ message: 'name must be a string' })
  name!: string;

  @IsInt({ message: 'maxUses must be an integer from 1 to 1000' })
  @Min(1, { message: 'maxUses must be an integer from 1 to 1000' })
  @Max(1000, { message: 'maxUses must be an integer from 1 to 1000' })
  maxUses!: number;
}

const body = { type: 'body' as const, metatype: SampleDto, data: '' };

async function failure(value: unknown, meta = body): Promise<AppError> {
  try {
    await new AppValidationPipe().transform(value, meta);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a validation failure');
}

describe('AppValidationPipe', () => {
  it('accepts a valid body and returns the DTO instance', async () => {
    const out = await new AppValidationPipe().transform({ name: 'a', maxUses: 5 }, body);
    expect(out).toBeInstanceOf(SampleDto);
  });

  it('lists every bad field, the first message as the message', async () => {
    const e = await failure({ name: 3, maxUses: 0 });
    expect(e.code).toBe('validation_failed');
    expect(e.status).toBe(400);
    expect(e.message).toBe('name must be a string');
    expect(e.details?.fields).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'maxUses', message: 'maxUses must be an integer from 1 to 1000' },
    ]);
  });

  it('does not coerce "5" to a number', async () => {
    const e = await failure({ name: 'a', maxUses: '5' });
    expect(e.details?.fields?.[0].field).toBe('maxUses');
  });

  it('refuses unknown fields, naming them', async () => {
    const e = await failure({ name: 'a', maxUses: 1, admin: true });
    expect(e.details?.fields).toEqual([{ field: 'admin', message: 'admin is not an allowed field' }]);
  });

  it('refuses a body that is not an object, null included (no body at all reads as {})', async () => {
    for (const v of [[1, 2], 'str', 5, null, '']) expect((await failure(v)).details?.fields).toEqual([{ field: 'body', message: 'The body must be a JSON object' }]);
    expect((await failure(undefined)).details?.fields?.map((f) => f.field)).toEqual(['name', 'maxUses']);
  });

  it('refuses names every object inherits (constructor, toString, __proto__), with the other fields\' errors', async () => {
    const value = JSON.parse('{"name":3,"maxUses":1,"constructor":{"prototype":{}},"toString":"x","__proto__":{"admin":true}}');
    const e = await failure(value);
    expect(e.details?.fields).toEqual([
      { field: 'constructor', message: 'constructor is not an allowed field' },
      { field: 'toString', message: 'toString is not an allowed field' },
      { field: '__proto__', message: '__proto__ is not an allowed field' },
      { field: 'name', message: 'name must be a string' },
    ]);
  });

  it('refuses unknown query parameters', async () => {
    const e = await failure({ name: 'a', maxUses: 1, extra: 'x' }, { type: 'query', metatype: SampleDto, data: '' } as never);
    expect(e.code).toBe('validation_failed');
  });
});

describe('IdParamPipe', () => {
  it('passes a well-formed id and answers 404 not_found for a malformed one', () => {
    const pipe = new IdParamPipe();
    expect(pipe.transform('A9LBx2kq0aZ7f3Jd9sPw1Xc4Vb6Nm8S6')).toBe('A9LBx2kq0aZ7f3Jd9sPw1Xc4Vb6Nm8S6');
    for (const bad of ['short', 'A9LBx2kq0aZ7f3Jd9sPw1Xc4Vb6Nm8S6x', 'A9LBx2kq0aZ7f3Jd9sPw1Xc4Vb6Nm8S-', '']) {
      expect(() => pipe.transform(bad)).toThrow(expect.objectContaining({ code: 'not_found', status: 404 }));
    }
  });
});
