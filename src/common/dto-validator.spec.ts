import { EmitDto } from '../delivery/dto/emit.dto.js';
import { KickDto } from '../session/dto/kick.dto.js';
import { DtoValidator } from './dto-validator.js';
import { AppError } from './error-codes.js';
import { AppValidationPipe, type FieldError } from './validation.pipe.js';

/** The fields a path refuses, or [] when it accepts the body. */
async function refusedBy(run: () => unknown): Promise<string[]> {
  try {
    await run();
    return [];
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return (err.details as FieldError[]).map((d) => d.field).sort();
  }
}

const pipe = new AppValidationPipe();
const viaPipe = (cls: new () => object, body: unknown) => refusedBy(() => pipe.transform(body, { type: 'body', metatype: cls }));

describe('DtoValidator', () => {
  describe('parse', () => {
    const emit = new DtoValidator(EmitDto);

    // The compiled schema and the validation pipe read the same decorators: they must agree on every body.
    it.each([
      ['a user target', { userId: 'u', event: 'message', payload: { a: 1 } }],
      ['a room and an idempotency key', { room: 'chat:1', event: 'm', idempotencyKey: 'k' }],
      ['no event', { userId: 'u' }],
      ['event a number (no coercion)', { userId: 'u', event: 42 }],
      ['event with whitespace', { userId: 'u', event: 'a b' }],
      ['event too long', { userId: 'u', event: 'e'.repeat(129) }],
      ['userId null', { userId: null, event: 'm' }],
      ['userId too long', { userId: 'x'.repeat(129), event: 'm' }],
      ['userIds empty', { userIds: [], event: 'm' }],
      ['userIds with a number and an empty id', { userIds: ['a', 7, ''], event: 'm' }],
      ['userIds over the limit', { userIds: Array.from({ length: 10_001 }, (_, i) => `u${i}`), event: 'm' }],
      ['room too long', { room: 'r'.repeat(257), event: 'm' }],
      ['several fields wrong', { userId: 3, room: '', event: '' }],
    ])('%s: refuses the same fields as the validation pipe', async (_label, body) => {
      expect(await refusedBy(() => emit.parse(body))).toEqual(await viaPipe(EmitDto, body));
    });

    it('keeps only the DTO fields, and uses class-validator wording and the DTO message', async () => {
      expect(emit.parse({ userId: 'u', event: 'm', extra: 1 })).toEqual({ userId: 'u', event: 'm' });
      const err = await refusedDetails(() => emit.parse({ userId: 7, event: 'a b' }));
      expect(err).toEqual([
        { field: 'userId', errors: ['userId must be a string'] },
        { field: 'event', errors: ['event must not contain whitespace'] },
      ]);
      expect(await refusedDetails(() => emit.parse([]))).toEqual([{ field: '', errors: ['payload must be an object'] }]);
    });

    it('checks booleans as the pipe does (no coercion of "yes")', async () => {
      const kick = new DtoValidator(KickDto);
      expect(kick.parse({ userId: 'u', invalidateSession: true })).toEqual({ userId: 'u', invalidateSession: true });
      expect(await refusedBy(() => kick.parse({ userId: 'u', invalidateSession: 'yes' }))).toEqual(['invalidateSession']);
      expect(await viaPipe(KickDto, { userId: 'u', invalidateSession: 'yes' })).toEqual(['invalidateSession']);
    });
  });
});

async function refusedDetails(run: () => unknown): Promise<FieldError[]> {
  try {
    await run();
  } catch (err) {
    if (err instanceof AppError) return err.details as FieldError[];
    throw err;
  }
  throw new Error('accepted');
}
