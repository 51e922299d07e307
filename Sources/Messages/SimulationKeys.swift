// The private keys of the simulation's PKI. They were generated once with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` and are published here: they
// exist only so that simulated certificates and TLS signatures are real and reproducible (RSA key
// generation in swift-crypto is randomised, so keys cannot be drawn from a run's seed). Nothing
// should ever trust them.

enum SimulationKeys {
    /// The self-signed root ("Amazon Root CA 1"-shaped).
    static let root = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKkFRtf3tWCuWr
        TVblViqnvqVp3kIu2alF3ny6HSV7x1f6pUxrkF+l4rLD/yUEYyeSju9KesTHRzBv
        56nGwDutJHTibgs5MoZyZ0JM0gKlwK7XNQAv+xwFq+H3nGBihgKCoSNS2fy0IUH8
        xcuwDo5INwJC/dgR/1fdJj5DPcZ2L1GZkDKdElEMxdT3wn5lSGcQh1XayHkUh5ZY
        nM/aBRR8cRd1nzq1Lgjtn+XNIINSYHHGqP/E/nt9oJBdzqkuqaTCf8TSSgmzkBIx
        f642te132efga9XpHmgJhWpBpQZvUdDSLwLfYgOOrk3MjikRcfvYWVt0Qs5KkE/f
        H5cnEm7LAgMBAAECggEAASGZNxtVJv/clH5UE+fNSS6JYfP5zqUsitVZQPjUssJE
        PYQazyb5QcXoVavhGwsqt2jQ8UuKOcqt/JIAormEG81uUa1npqQfmBf3iNJLbX2L
        /GuxWpM+btGs62MWLras4Onhdp79CEx/P9gi8RLDvKeB/bnJMSCJ7xQ9mMaJizNp
        5Ys1y5julx/CUV91URsGSapLVKwj7tL0v/YZnL7gtsB2LyTGgz1EuLqTmhSoHSqt
        Me8ORk4i8JWSHEva+TboWuyp/ZMXh38p7FX/Mam6bbdLSt1/r+2a3uJQsILfuQXW
        JWLkrvFI+CpnVflY+4rn/4WAVvTMEE+zgQo18IgNwQKBgQD43TTvwpdQEPXayf3A
        gdwKW491q3ppiWrAV5IlLLwrtrWaemUSSGZkmarJ3RfYxodQi8FyIqQqtEfKcSFe
        SYkooP2KGoszLH09Ltk/KKKrCgS8nOw4j9SfUokoKwvjn+NBa/d3CsOJ5D4z9CtN
        X72G5EQRtcTkpOQ9nFpqBr3CUQKBgQDQX0Ek6VwYudHEOoPo3DCiK3fg6FShwQxY
        3BNbvyC4EdmcCIuI8G4joWNkOJieFGNeWudoT4eb0sgzIdv3nHeEpEsIMLF5ybyB
        bQXjZvXRgZyB4mukvoEufjMdI35koZODWkx7KJNYeeonkfZ5JeRXRvgCFG3PsQch
        IWVdkaWcWwKBgCdLZkxlQVcXFnrRYgu/dWr9Qg2mYdHALObp7N2JzrxoQQx/Pu5A
        GErSKLFvA5Dq5/rD1mubJKjJhnxkmIw2uD1+Dgp8XnZaE/xRJWRfmi+/iTfu3y2f
        KEdv1NBO27W5TTzLO2vEe1OOgnPZney9rUNbT5QsS0Z+8rr3sR8EqXnBAoGBALpD
        G8F6FIhJupg1UmraQWMFhkB2jgiVv4rDF07g98dytVoETW7YtSuGfYk+CjbstLLI
        gai9xtPkxG7oqm+Z30CjeCrXFB5w1d+/7A6Nn9lqidOU6XI3lNRRnTFD5BziTjGR
        i2JgL+5b9JLwqCk9VPMrjlCVoF+SuHPGHY1Zv3eXAoGBAMH77GX983V7VWR9Z+UR
        o9e02sCJz3cSSglpROOl9iOysuyO74W7eGe50vRT+sGCIh7GzxsGD7IQcXpMoQFG
        I52LWio9Zs6pJOIcwjtce0kCbBuGI5z4BbV+BViefrH295pM3bPaPCmLgeS/MgMZ
        zA3MVtbOC6ER2+gT91ChmV/K
        -----END PRIVATE KEY-----
        """
    /// The issuing intermediate ("Amazon RSA 2048 M03"-shaped).
    static let intermediate = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDC3Yabb+87GWpY
        rtrvhjxlw2VYGxz3NLhHBWrSvIFn6ma6x6M2gEiwfNiuHV7e9AhkHlWYG51FUPOk
        gmJHrga53uQ6zf7FD7ZKpqW1ehvgFziXjL/dPsbiixzsUu4uw6OY/BHhtPQ9NA4K
        vRPHpfFYXYlFyoA/hdG/3E9GKkWqTQB/4wGqc1UZfJdUhqP+NGasr5hfY4yps4SI
        538yyXIA1NYfzHhDph0mLp2DaLKGibctx/WP5BwehFiYZkIRVS0QCm6zi2EMOjj9
        pkA0VIbfSB5EP8bJER05T6kt3bn1t1XMNEHbD2eImQul+rUxAP9ltKg1+VSMDTDW
        AsPpRjIDAgMBAAECggEAQHx+50GLscsfXmm/GjUaF7Mp/pY6Z7SSpy4rw8GOMY1o
        obcfVBHv/DfUnQorMy0e+cLwIH5C9YVsm6xqSb5Vi30vmiZBgYVJljq/6+aVAvus
        RrrVY6o6tw3CbJKlL+SeZypD4KW5jeeEHhmkShWoYM3Td70j4+GtIAkQUu/6TfjJ
        r7R6Mn0yPKdzwBYtx8zAYMNPaPgY0b31kWnGYNa01bOc8r7N2yWhh8MRz99Np8ON
        C52ceaalwzzSNvIm6LltjNgo6IDrbG6V9MpszjeKSqZV0girTnXftTjlOlEcDUKm
        vQ6Y6cgvRDmvoHQXVXHXxDijlPPYDPZkbQEXI2RDQQKBgQDjT98R6De2XIjZieF1
        WD6S+/Mr1fztU8bOTxC4CwVbPTOFaxcUPNt1At/2rt3vnrIIIzy4oxTKhv+Z0g3+
        7Nz55BtajIEX8r+JmsgQOYmNnQKQhLVjFx8ZwcXplIEkCBv7mBL/G7rJdlbDrEdK
        3yPcIbqBDOI74lWpuYfEBLZLpQKBgQDbdVlHZu0XxpBlaROActf8IsOZPv7qw3pd
        eBN/vD6Xm/bWcDPTViqK5TZdVDLIHDyqzTo3RJfM/WDMI69B+bBPzeiW7ivzY2Tw
        IBnxXWvIOUsemYDJ+SG47NAqFAvF0s3TRDbowEMKhPrw4rXffUmrvWjTzqIJ0/IO
        3JSiu1m2hwKBgCDlEhb5T/an9XXlqibdGlES/OG/GdcOZJq+fmDj12aYuLf6A2D+
        XZPVUqvUKnHeuUzMLKFbmEqmtp5/816M0H2pMPwtkRDyJB25tHIEoY9IxXI8gjNQ
        yUNk80sWHookUkhafYVFcgZthajTaY3ANORKTT8XqjWYT2U8YBVRyT+xAoGANAK/
        wfhWwIfCuQYKJSsSnSLwEGWprKHfYj+O/3rxqqS//1pgLfoB4yEnnT7TOjHW/vPc
        lDShdWenhTn/0zcF3iQCt6KCsBAiX/Z7r4RggvdxIjNnHnb40wbs3swZbizjsuo7
        yTWnrdqOToCscecTiqw9J9WU+ZdNitAkOd0FCgkCgYEAgR7Y2aZJ3Anyi51FQ3V5
        MM9wfxsgbRCWhJFxWthAU9XqFXBNGA+SeWjaluQbqOm6TlvsQCNWqOjylUShiqG/
        Fcb5VFp//zMJMwUicXUgiX9Pxj4nJ90UxUYI5xwV/71MMeCFA9c58ccOXZgfBvqK
        9sqGato9JjgU0kvYQhHqZ+k=
        -----END PRIVATE KEY-----
        """
    /// Every server's leaf key.
    static let leaf = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDDTJXezTPnApDs
        9xuK9z6H58yy6tLt2A+u83UgmLJMBiuT8TbSbRUa0yVrXKLFC/Wg/MiCJxkeolXF
        pk7pyCv7jVafsi9Ey7R7FBP+tTFh3kCwesH3SosAReT92pdtnTnaq+g5tuJj5CXR
        QxjNAFdw5rkA5VWpqH/VyXVveZ5fxxoTbahdzDskQrGYsbxBScnKoRnZPObDkPs3
        DbR7/wdFAel+d5IX64HfGOv+byukpc6T8rxFkhqRuawhXPvbwa345oHyvEyMOK4J
        QplzhNZnrj50+gEIkjRFfx8/DIIU+fR6QH3x0cZ72dliIyf1zpSGz70uAW/EcKr4
        YUmm7f4DAgMBAAECggEAAddfVz9rXmjCVwmbKonpjOckPezuaGU2/DHWT2uWdzMH
        P7VF8Avz54q6wM8oAGBDRHuhMoucC5NWr3YIuRmKJtcc2oVCjQ0pulbkrV37TG5d
        ARsshMQEYCWBcRV9SuQNmCQWHMC+jQLFirpRG6d3gOqqLzLBcQCbIw0y3JSH9kfc
        KtlFLV1sfcY9M2XbGnHETWF7j5QOjZU4FjkFlMWTT6Z/WhL/cZPF/YfO/1E7qZ+g
        OuGS9PLzAR1zjDah0VCwO95jRMDJPwEVmt5d6kvAfoaMVjS1GK9g/wkzLrQRfspL
        t06FPnPlgDXwXIijKM1D7NRaZSDklBxguuxjl/TMiQKBgQDqWuigber/vF5H208N
        rT1eT+5BTRY60CJzoPIyDJS89h/R/CBOdVM5xGW9+RQcdSka9yOMLIq08SalB2YD
        ZYZUgt3l9m28OuwzkzqQeLbOFQZjhKoXqvu5TvAM5LUi65lFRqaExxN8quAum2fc
        3bFUNHZOFCQJ60HbVpc+Z42vfwKBgQDVVjzt/IVEk6UgGKYxDgx6kEk4Uh8RSOu+
        RuHot9rzBkX8knJBmf0MCnyj0WzKg8uqhIm+CWp7vk7l0alXxqEW2RLFrk0XSWHF
        MfUcuvRISdhu287vR5ICRZyPvvYzq9XFglCwEx2B+wHO8rIHhGWARVgk4J3Cyo/T
        juldF7czfQKBgB8JEPuF8vQRFw8/DNYL1i+yOCQvuDzrqVRUwR49qkjn80jUsdaS
        FQZ2at7gqHgoT9xBVFTQ5UGXGf4K38idXk+80PQOUXP2/abK3ZuaUOMzx5fQTtI5
        k4Jz4LhkZVSNjMuu0oiM8Ji27F9ftz55oW08UVp/slIZ9Ku+aOMbxZizAoGAZ8he
        N8Bi7KuO5wBWyQJ2m6FZnWaF6pi45oYBHH9kqllg7rAnmTZaXeM0I1WcQSDAkaGM
        iMB35t777t2CLktYzo6njTdwFWYDhDT7cxCYChqyiauxDcKZizVmJp/VkemEQ2NT
        8XQ7JKKBjLWQWgvUfQQ/DyGeXcbBFUAu0rTY0NkCgYAKrtBVgmW0F3obuhKbwXo9
        5JocukuTXmj7nDjA54PJLqDjEz/8LYzy/nW2HV0tLePWlcgmBH2uCLISA6VipEm3
        o1wMuk/h78WQWa14MU7t+t0bp39XwH67dFAAbCQS2sg/PS0hYfIHCXkN5Axt6fBw
        g+ijAZO3BUH98GtJ3VMbYw==
        -----END PRIVATE KEY-----
        """
    /// The public half of ``root`` (`openssl pkey -pubout`), for sizing without parsing the private key.
    static let rootPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAypBUbX97Vgrlq01W5VYq
        p76lad5CLtmpRd58uh0le8dX+qVMa5BfpeKyw/8lBGMnko7vSnrEx0cwb+epxsA7
        rSR04m4LOTKGcmdCTNICpcCu1zUAL/scBavh95xgYoYCgqEjUtn8tCFB/MXLsA6O
        SDcCQv3YEf9X3SY+Qz3Gdi9RmZAynRJRDMXU98J+ZUhnEIdV2sh5FIeWWJzP2gUU
        fHEXdZ86tS4I7Z/lzSCDUmBxxqj/xP57faCQXc6pLqmkwn/E0koJs5ASMX+uNrXt
        d9nn4GvV6R5oCYVqQaUGb1HQ0i8C32IDjq5NzI4pEXH72FlbdELOSpBP3x+XJxJu
        ywIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The public half of ``intermediate`` (`openssl pkey -pubout`), for sizing without parsing the private key.
    static let intermediatePublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwt2Gm2/vOxlqWK7a74Y8
        ZcNlWBsc9zS4RwVq0ryBZ+pmusejNoBIsHzYrh1e3vQIZB5VmBudRVDzpIJiR64G
        ud7kOs3+xQ+2SqaltXob4Bc4l4y/3T7G4osc7FLuLsOjmPwR4bT0PTQOCr0Tx6Xx
        WF2JRcqAP4XRv9xPRipFqk0Af+MBqnNVGXyXVIaj/jRmrK+YX2OMqbOEiOd/Msly
        ANTWH8x4Q6YdJi6dg2iyhom3Lcf1j+QcHoRYmGZCEVUtEApus4thDDo4/aZANFSG
        30geRD/GyREdOU+pLd259bdVzDRB2w9niJkLpfq1MQD/ZbSoNflUjA0w1gLD6UYy
        AwIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The public half of ``leaf`` (`openssl pkey -pubout`), for sizing without parsing the private key.
    static let leafPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw0yV3s0z5wKQ7Pcbivc+
        h+fMsurS7dgPrvN1IJiyTAYrk/E20m0VGtMla1yixQv1oPzIgicZHqJVxaZO6cgr
        +41Wn7IvRMu0exQT/rUxYd5AsHrB90qLAEXk/dqXbZ052qvoObbiY+Ql0UMYzQBX
        cOa5AOVVqah/1cl1b3meX8caE22oXcw7JEKxmLG8QUnJyqEZ2Tzmw5D7Nw20e/8H
        RQHpfneSF+uB3xjr/m8rpKXOk/K8RZIakbmsIVz728Gt+OaB8rxMjDiuCUKZc4TW
        Z64+dPoBCJI0RX8fPwyCFPn0ekB98dHGe9nZYiMn9c6Uhs+9LgFvxHCq+GFJpu3+
        AwIDAQAB
        -----END PUBLIC KEY-----
        """
}
