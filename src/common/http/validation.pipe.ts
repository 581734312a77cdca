import { ValidationError, ValidationPipe } from '@nestjs/common';

import { DomainError } from '../errors/domain.error';
import { ErrorCode } from '../errors/error-code';

/** Flattens nested class-validator errors into "path message" strings for `data.details`. */
export function validationDetails(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      // class-validator starts messages with the bare property name; show the full path instead.
      message.startsWith(`${error.property} `)
        ? `${path}${message.slice(error.property.length)}`
        : `${path}: ${message}`,
    );
    return [...own, ...validationDetails(error.children ?? [], path)];
  });
}

/** whitelist + forbidNonWhitelisted + transform, failing with 400 VALIDATION_ERROR. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      new DomainError(ErrorCode.ValidationError, validationDetails(errors)),
  });
}
