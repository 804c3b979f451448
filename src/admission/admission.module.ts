import { Module } from '@nestjs/common';
import { LoopLag } from './loop-lag.js';

/** The node's load signal, shared by the intake limiter and the handshake admission. */
@Module({
  providers: [LoopLag],
  exports: [LoopLag],
})
export class AdmissionModule {}
