/**
 * The gateway's icon for its pages (/demo, /admin): two arrows crossing in a circle, as SVG, so
 * it needs no binary asset and no request to anywhere else.
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<circle cx="16" cy="16" r="15" fill="#3553b8"/>
<path d="M8 12h13l-4-4M24 20H11l4 4" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;

export const FAVICON_TYPE = 'image/svg+xml';
