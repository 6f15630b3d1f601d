const _: () = {
    #[automatically_derived]
    impl ::batpak::__private::EventPayload for Deposited {
        const KINDS: &'static [::batpak::__private::EventKind] = &[
            <Self as ::batpak::__private::SingleKind>::KIND,
        ];
        const VERSION: ::core::primitive::u16 = 2;
        const TYPE_NAME: &'static ::core::primitive::str = "Deposited";
        #[inline]
        fn kind(&self) -> ::batpak::__private::EventKind {
            <Self as ::batpak::__private::SingleKind>::KIND
        }
        fn encode_payload(
            &self,
        ) -> ::core::result::Result<
            ::std::vec::Vec<::core::primitive::u8>,
            ::batpak::__private::PayloadError,
        > {
            ::batpak::__private::encode_struct::<Self>(self)
        }
        fn decode_payload(
            kind: ::batpak::__private::EventKind,
            bytes: &[::core::primitive::u8],
        ) -> ::core::result::Result<Self, ::batpak::__private::PayloadError> {
            ::batpak::__private::decode_struct::<Self>(kind, bytes)
        }
    }
    #[automatically_derived]
    impl ::batpak::__private::SingleKind for Deposited {
        const KIND: ::batpak::__private::EventKind = ::batpak::__private::EventKind::custom(
            1,
            0x010,
        );
    }
};
