import { Transform } from 'class-transformer';
import { IsIdArray } from '../../common/validators.js';

/** `?userIds=a,b` (or repeated `userIds=`). */
export class PresenceQueryDto {
  @Transform(({ value }: { value: unknown }) =>
    (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])).filter((v) => v !== ''),
  )
  @IsIdArray(1, 1000)
  userIds!: string[];
}
