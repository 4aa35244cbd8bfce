import { Type } from 'typebox';
import { PASSWORD_LENGTH_MAX } from '../domain/password-policy.ts';

/** Shapes shared by several identity use cases. */
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH_MAX });
export const Roles = Type.Array(Type.String());

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  roles: Roles,
  createdAt: Type.String({ format: 'date-time' }),
});

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
});

/** Login and refresh in cookie mode (`?session=cookie`): the refresh token is in a cookie, not the body. */
export const SessionTokens = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
});

/** What login and refresh answer: the token pair, or in cookie mode the access token alone. */
export const TokenAnswer = Type.Union([TokenPair, SessionTokens]);
